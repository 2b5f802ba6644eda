"""Members read the archive; coordinators and admins generate reports."""


from tvetbridge.core.roles import is_admin, is_manager, is_member

report_permissions = {"view": is_member, "add": is_manager, "change": is_admin, "delete": is_admin}
job_permissions = {"view": is_member, "add": is_manager, "change": is_admin, "delete": is_admin}
