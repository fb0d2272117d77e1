from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "xinfang.workflow"
    verbose_name = "办理流程"

    def ready(self) -> None:
        # The search document of a case holds its notes' words too (petitions/search.py
        # knows nothing of the workflow's models).
        from xinfang.workflow.selectors import case_notes_searched
        from xinfang.workflow.workbench import register as register_queue_sets

        case_notes_searched()
        # The workbench's 协办件 queue opens in the ledger as exactly its cases.
        register_queue_sets()
