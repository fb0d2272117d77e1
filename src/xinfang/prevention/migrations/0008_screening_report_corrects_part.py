"""A department corrects its own part (分项) of a screening report alone: the correcting
version names the part whose items it replaces (issue 20)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('prevention', '0007_cadence_rule_parts'),
    ]

    operations = [
        migrations.AddField(
            model_name='screeningreport',
            name='corrects_part',
            field=models.CharField(blank=True, default='', max_length=50, verbose_name='更正的分项'),
        ),
    ]
