"""Several heads of department each file their part (分项) of a unit's screening report
(issue 20 item 8): a report version names the department it adds, once per period."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("prevention", "0005_duty_log_caller_encrypted"),
    ]

    operations = [
        migrations.AddField(
            model_name="screeningreport",
            name="part",
            field=models.CharField(blank=True, default="", max_length=50, verbose_name="分项（部门）"),
        ),
        migrations.AddConstraint(
            model_name="screeningreport",
            constraint=models.UniqueConstraint(
                condition=models.Q(("part", ""), _negated=True),
                fields=("period", "part"),
                name="screening_report_one_per_part",
            ),
        ),
    ]
