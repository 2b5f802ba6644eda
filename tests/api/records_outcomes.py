"""Real records for the outcomes router's schemathesis run: a demo cohort on the world's project
(trainees, enrolments, jobs, incomes, so results, targets and impact have data), one trainee of the
admin's reach for the trainee and income operations, and an open quality flag to review."""

from __future__ import annotations

import datetime as dt

from tvetbridge.demo import outcomes as demo_outcomes
from tvetbridge.outcomes.models import Enrolment, ProjectTarget, QualityFlag, Trainee


def real_path_parameters(world, users) -> dict[str, dict]:
    project = world["project"]
    demo_outcomes.generate([project], seed=11, per_project=40, today=dt.date(2025, 11, 1))
    trainee = Trainee.objects.filter(enrolments__project=project, incomes__isnull=False).distinct().first()
    assert trainee is not None and Enrolment.objects.filter(trainee=trainee).exists()
    ProjectTarget.objects.get_or_create(project=project, region=None, indicator="employment_6m",
                                        defaults={"value": 70})
    flag = QualityFlag.objects.create(project=project, rule="unreported",
                                      evidence={"trainees_recorded": 0}, data_version="schemathesis")
    trainee_path = {"trainee_id": trainee.pk}
    project_path = {"project_id": project.pk}
    return {
        "/api/v1/outcomes/trainees/{trainee_id}": trainee_path,
        "/api/v1/outcomes/trainees/{trainee_id}/incomes": trainee_path,
        "/api/v1/outcomes/projects/{project_id}/results": project_path,
        "/api/v1/outcomes/projects/{project_id}/impact": project_path,
        "/api/v1/outcomes/projects/{project_id}/targets": project_path,
        "/api/v1/outcomes/flags/{flag_id}/review": {"flag_id": flag.pk},
    }
