from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "xinfang.workflow"
    verbose_name = "办理流程"

    def ready(self) -> None:
        # The search document of a case holds its notes' words too (petitions/search.py
        # knows nothing of the workflow's models).
        from xinfang.petitions.search import search_text_source_register
        from xinfang.workflow.selectors import case_note_texts

        search_text_source_register(case_note_texts)
