"""Pages of prevention and duty, under /prevention/."""

from django.urls import path

from xinfang.prevention.views import disputes, duty, emergency, reception, screening

app_name = "prevention"

P = "prevention/"

urlpatterns = [
    path(P, screening.home, name="home"),
    path(f"{P}screening/report/", screening.report_form, name="report_form"),
    path(f"{P}screening/part/", screening.part_form, name="part_form"),
    path(f"{P}screening/part/<int:pk>/correct/", screening.part_correct, name="part_correct"),
    path(f"{P}screening/report/item/", screening.report_item_form, name="report_item_form"),
    path(f"{P}screening/zero/", screening.zero_report, name="zero"),
    path(f"{P}screening/reports/<int:pk>/", screening.report_detail, name="report_detail"),
    path(f"{P}screening/board/", screening.board, name="board"),
    path(f"{P}screening/board/remind/", screening.board_remind, name="board_remind"),
    path(f"{P}screening/units/<int:pk>/", screening.unit_history, name="unit_history"),
    path(f"{P}screening/special-periods/", screening.special_periods, name="special_periods"),
    path(
        f"{P}screening/special-periods/<int:pk>/extend/",
        screening.special_period_extend_view,
        name="special_period_extend",
    ),
    path(f"{P}disputes/", disputes.dispute_list, name="disputes"),
    path(f"{P}disputes/<int:pk>/", disputes.dispute_detail, name="dispute_detail"),
    path(f"{P}disputes/<int:pk>/resolve/", disputes.dispute_resolve_view, name="dispute_resolve"),
    path(f"{P}disputes/<int:pk>/convert/", disputes.dispute_convert_view, name="dispute_convert"),
    path(f"{P}duty/", duty.duty_month_view, name="duty"),
    path(f"{P}duty/new/", duty.duty_new, name="duty_new"),
    path(f"{P}duty/<int:pk>/", duty.duty_shift_view, name="duty_shift"),
    path(f"{P}duty/<int:pk>/swap/", duty.duty_swap_view, name="duty_swap"),
    path(f"{P}duty/<int:pk>/log/", duty.duty_log_view, name="duty_log"),
    path(f"{P}duty/log/<int:pk>/register/", duty.duty_log_register, name="duty_log_register"),
    path(f"{P}reception/", reception.reception_list, name="reception"),
    path(f"{P}reception/<int:pk>/", reception.reception_detail, name="reception_detail"),
    path(
        f"{P}reception/<int:pk>/register/",
        reception.reception_register,
        name="reception_register",
    ),
    path(
        f"{P}reception/<int:pk>/<slug:action>/",
        reception.reception_action,
        name="reception_action",
    ),
    path(f"{P}outreach/", reception.outreach_list, name="outreach"),
    path(f"{P}outreach/<int:pk>/", reception.outreach_detail, name="outreach_detail"),
    path(f"{P}outreach/<int:pk>/register/", reception.outreach_register, name="outreach_register"),
    path(f"{P}outreach/<int:pk>/<slug:action>/", reception.outreach_action, name="outreach_action"),
    path(f"{P}plans/", emergency.plan_list, name="plans"),
    path(f"{P}plans/new/", emergency.plan_new, name="plan_new"),
    path(f"{P}plans/<int:pk>/", emergency.plan_detail, name="plan_detail"),
    path(f"{P}incidents/", emergency.incident_list, name="incidents"),
    path(f"{P}incidents/new/", emergency.incident_new, name="incident_new"),
    path(f"{P}incidents/<int:pk>/", emergency.incident_detail, name="incident_detail"),
    path(
        f"{P}incidents/<int:pk>/<slug:action>/",
        emergency.incident_action,
        name="incident_action",
    ),
]
