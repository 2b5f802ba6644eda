"""`tvetbridge demo`: everything a coordinator needs to try the platform on a fresh machine."""

import subprocess
import sys

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from tvetbridge.core.models import Profile, Role
from tvetbridge.core.reference import load_reference
from tvetbridge.credentials import demo_credentials
from tvetbridge.demo import cases as cases_demo
from tvetbridge.demo import governance as governance_demo
from tvetbridge.demo import listings as listings_demo
from tvetbridge.demo import matching_demo
from tvetbridge.demo import teachers as teachers_demo
from tvetbridge.demo.generator import generate
from tvetbridge.demo.loader import load_demo
from tvetbridge.library import demo as library_demo
from tvetbridge.outcomes.models import Trainee
from tvetbridge.registry.models import Enterprise, Institution
from tvetbridge.risk.services import load_reference_risk
from tvetbridge.taxonomy.services import load_taxonomy

# Fixed, documented passwords: this is a local demo, and the README must be able to name them.
DEMO_ACCOUNTS = (
    # username, password, role, organisation external key
    ("admin", "demo-admin-2025", Role.ADMIN, None),
    ("coordinator", "demo-coordinator-2025", Role.COORDINATOR, None),
    ("alt-staff", "demo-institution-2025", Role.INSTITUTION_STAFF, "real-inst-alt-university"),
    ("jd-staff", "demo-enterprise-2025", Role.ENTERPRISE_STAFF, "real-ent-jd"),
    # A trainee who consented to job matching; sees only their own best vacancies (/matching/my-matches/).
    ("trainee", "demo-trainee-2025", Role.TRAINEE, None),
)
DEMO_SEED = 42


@transaction.atomic
def ensure_demo_accounts() -> list[tuple[str, str, str]]:
    out = []
    for username, password, role, org in DEMO_ACCOUNTS:
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = user.is_superuser = role == Role.ADMIN
        user.save()
        profile = {"role": role, "institution": None, "enterprise": None}
        if role == Role.INSTITUTION_STAFF:
            profile["institution"] = Institution.objects.get(external_key=org)
        elif role == Role.ENTERPRISE_STAFF:
            profile["enterprise"] = Enterprise.objects.get(external_key=org)
        Profile.objects.update_or_create(user=user, defaults=profile)
        if role == Role.TRAINEE:
            Trainee.objects.filter(user=user).update(user=None)
            trainee = matching_demo.demo_trainee()
            if trainee is not None:
                Trainee.objects.filter(pk=trainee.pk).update(user=user)
        out.append((username, password, str(Role(role).label)))
    return out


class Command(BaseCommand):
    help = "Migrate, load reference and demo data, add synthetic data and demo accounts, then serve."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="Prepare everything but do not start the server.")
        parser.add_argument("--addr", default="127.0.0.1:8000", help="Address and port to serve on.")

    def handle(self, *args, no_serve, addr, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("database migrated")
        for name, result in load_reference().items():
            self.stdout.write(f"reference {name}: {result}")
        for line in load_demo(ensure_reference=False).lines():
            self.stdout.write(f"demo {line}")
        if not Institution.objects.filter(is_synthetic=True).exists():
            for line in generate(scale="small", seed=DEMO_SEED).lines():
                self.stdout.write(line)
        else:
            self.stdout.write("synthetic data already present (re-create with `tvetbridge generate`)")
        self.stdout.write(f"taxonomy: {load_taxonomy()}")
        call_command("demo_outcomes", seed=DEMO_SEED, stdout=self.stdout)
        for line in matching_demo.build(seed=DEMO_SEED):
            self.stdout.write(f"matching {line}")
        for line in governance_demo.build():
            self.stdout.write(line)
        for line in cases_demo.build():
            self.stdout.write(line)
        for line in listings_demo.build():
            self.stdout.write(line)
        for line in teachers_demo.build():
            self.stdout.write(line)
        for line in [*teachers_demo.language_results(seed=DEMO_SEED), *teachers_demo.hsk_centre()]:
            self.stdout.write(line)
        risk = load_reference_risk()
        self.stdout.write(f"country risk: INFORM 2021 {risk['inform']}, scored {', '.join(risk['periods'])}")
        accounts = ensure_demo_accounts()
        for line in demo_credentials.build():
            self.stdout.write(f"recognition {line}")
        for line in library_demo.build(seed=DEMO_SEED, trainee=Trainee.objects.filter(user__username="trainee").first()):
            self.stdout.write(f"library {line}")
        self.stdout.write(self.style.SUCCESS("\nDemo accounts (local demo only):"))
        for username, password, label in accounts:
            self.stdout.write(f"  {label:<20} user {username:<12} password {password}")
        if no_serve:
            return
        # Background jobs (reports, simulations, candidate updates, imports) run in a worker process
        # beside the web server, on the same database; it stops when the server does.
        worker = subprocess.Popen([sys.executable, "-m", "tvetbridge.cli", "worker", "--verbosity", "0"])
        self.stdout.write(f"background worker started (process {worker.pid})")
        self.stdout.write(self.style.SUCCESS(f"\nServing on http://{addr}/ (Ctrl-C to stop)"))
        try:
            call_command("runserver", addr, use_reloader=False)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
