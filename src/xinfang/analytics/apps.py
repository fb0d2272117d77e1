from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "xinfang.analytics"
    verbose_name = "统计分析"

    def ready(self) -> None:
        # The ledger resolves an indicator's case set through the same definition
        # (petitions/selectors/ledger.py knows nothing of indicators).
        from xinfang.analytics.drill import register
        from xinfang.analytics.tally import register as register_tally
        from xinfang.analytics.topics import register as register_topics
        from xinfang.analytics.warnings_drill import register as register_warnings

        register()
        register_warnings()
        register_topics()
        register_tally()
