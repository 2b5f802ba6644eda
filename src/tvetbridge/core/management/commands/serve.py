"""`tvetbridge serve`: the production server (gunicorn) with the background worker beside it.

Gunicorn's sync workers, sized to the machine (2 × cores + 1, gunicorn's own rule of thumb, which
keeps the cores busy while some workers wait on the database), serve the WSGI application; static
files come from whitenoise inside it, collected at start. One `tvetbridge worker` (the background-job
worker, ``tvetbridge.core.worker``) is started beside the server, watched, and stopped with it: the
two live and die together, so a supervisor (systemd, a container runtime) needs to know only this one
command. More workers, on this machine or others sharing the database, are started with
`tvetbridge worker` (see docs/deploy.md).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def default_workers() -> int:
    return 2 * (os.cpu_count() or 1) + 1


class Command(BaseCommand):
    help = "Run the production server (gunicorn + whitenoise) and a background worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("TVETBRIDGE_BIND", "127.0.0.1:8000"),
                            help="Address to listen on (host:port or unix:/path); default 127.0.0.1:8000.")
        parser.add_argument("--workers", type=int, default=int(os.environ.get("TVETBRIDGE_WORKERS", 0)) or None,
                            help="gunicorn worker processes (default 2 × cores + 1).")
        parser.add_argument("--threads", type=int, default=int(os.environ.get("TVETBRIDGE_THREADS", 1)),
                            help="Threads per worker (default 1).")
        parser.add_argument("--timeout", type=int, default=int(os.environ.get("TVETBRIDGE_TIMEOUT", 60)),
                            help="Seconds before a silent worker is restarted (default 60).")
        parser.add_argument("--no-worker", action="store_true", help="Do not start the background worker.")
        parser.add_argument("--no-collectstatic", action="store_true", help="Skip collecting static files.")
        parser.add_argument("--migrate", action="store_true", help="Apply database migrations first.")

    def handle(self, *args, bind, workers, threads, timeout, no_worker, no_collectstatic, migrate, **options):
        if migrate:
            call_command("migrate", interactive=False, verbosity=1)
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        workers = workers or default_workers()
        server = [sys.executable, "-m", "gunicorn", "tvetbridge.wsgi:application", "--bind", bind,
                  "--workers", str(workers), "--threads", str(threads), "--timeout", str(timeout),
                  "--access-logfile", "-", "--error-logfile", "-", "--forwarded-allow-ips",
                  os.environ.get("TVETBRIDGE_FORWARDED_ALLOW_IPS", "127.0.0.1"),
                  # Recycling workers bounds the memory a long-lived worker may accumulate.
                  "--max-requests", "2000", "--max-requests-jitter", "200"]
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "tvetbridge.settings")}
        children: list[tuple[str, subprocess.Popen]] = []
        self.stdout.write(f"serving on {bind} with {workers} workers × {threads} threads "
                          f"({settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})")
        children.append(("server", subprocess.Popen(server, env=env)))
        if not no_worker:
            children.append(("worker", subprocess.Popen([sys.executable, "-m", "tvetbridge.cli", "worker"], env=env)))
            self.stdout.write("background worker started")
        code = self._supervise(children)
        if code:
            raise CommandError(f"stopped: exit status {code}")

    def _supervise(self, children: list[tuple[str, subprocess.Popen]]) -> int:
        stopping = False

        def stop(signum, _frame):
            nonlocal stopping
            stopping = True
            for _name, child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            while True:
                for name, child in children:
                    code = child.poll()
                    if code is not None:
                        if not stopping:
                            self.stderr.write(f"{name} exited with status {code}; stopping the rest")
                            stop(signal.SIGTERM, None)
                        return self._wait_all(children, code if not stopping else 0)
                time.sleep(0.5)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    @staticmethod
    def _wait_all(children, code: int) -> int:
        deadline = time.monotonic() + 30
        for _name, child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        return code
