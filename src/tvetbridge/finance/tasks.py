"""Background jobs of the finance app: a fund simulation, split into its independent parts (the main
simulation, the break-even search, the option price, the sensitivity study) that any number of
workers run in parallel; the join combines them into the run's result."""

from django.utils.translation import gettext_lazy as _

from tvetbridge.core.jobs import job_task

from . import services


@job_task("finance.simulate", title=_("Simulating a fund"))
def simulate(job, *, run_id: int) -> dict:
    parts = services.start_run(run_id)
    job.fan_out(simulate_part, [{"run_id": run_id, "part": part} for part in parts], join=combine, run_id=run_id)


@job_task("finance.simulate_part", title=_("Simulating a fund"))
def simulate_part(job, *, run_id: int, part: str) -> dict:
    # The chunk's own progress (on its job); the run's moves by the part's share when it ends.
    result = services.execute_part(run_id, part, progress=lambda f: job.progress(100 * f))
    services.part_done(run_id, part)
    return result


@job_task("finance.simulate_join", title=_("Simulating a fund"))
def combine(job, *, run_id: int) -> dict:
    services.finish_run(run_id, job.chunk_results)
    return {"run": run_id}
