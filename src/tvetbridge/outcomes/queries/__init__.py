"""Read paths of the outcomes app, for pages, the API and reports.

- ``results``: who may see which trainees and incomes, the results chain, project facts and
  progress against targets, with small counts withheld in public;
- ``population``: the impact engine's population of a project (who was trained, who is compared,
  what they earned) and each person's income gain.

The public names of both are re-exported here.
"""

from .own import own_page, own_record, own_record_rows
from .population import (
    COMPARISONS,
    COVARIATE_LABELS,
    COVARIATES,
    POST_FROM,
    POST_TO,
    PRE_MONTHS,
    STATUS_CODE,
    Population,
    Status,
    build_population,
    data_version,
    enrolment_frame,
    person_gains,
    q_enrolled,
)
from .results import (
    EMPLOYMENT_WINDOW_DAYS,
    FUNNEL_STEPS,
    PERIOD_FLOWS,
    STATUS_LABELS,
    SUPPRESS_BELOW,
    THRESHOLDS_TEXT,
    Cell,
    ProjectFacts,
    chain_steps,
    demand_count,
    elapsed_share,
    enterprise_trainee_ids,
    incomes_for,
    is_public,
    period_flows,
    project_facts,
    project_period,
    projects_with_outcomes,
    results_chain,
    results_chain_by_host,
    set_enterprise_scope,
    spending,
    suppress,
    target_progress,
    trainees_for,
)

__all__ = [
    "COMPARISONS", "COVARIATES", "COVARIATE_LABELS", "EMPLOYMENT_WINDOW_DAYS", "FUNNEL_STEPS", "PERIOD_FLOWS",
    "POST_FROM", "POST_TO", "PRE_MONTHS", "STATUS_CODE", "STATUS_LABELS", "SUPPRESS_BELOW", "THRESHOLDS_TEXT",
    "Cell", "chain_steps", "Population", "ProjectFacts", "Status", "build_population", "data_version", "demand_count",
    "elapsed_share", "enrolment_frame", "own_page", "own_record", "own_record_rows", "enterprise_trainee_ids", "incomes_for", "is_public", "period_flows", "person_gains",
    "project_facts", "project_period", "projects_with_outcomes", "results_chain", "results_chain_by_host",
    "q_enrolled", "set_enterprise_scope", "spending", "suppress", "target_progress", "trainees_for",
]
