"""The departments that each file a part (分项) of a unit's screening report, named in its
cadence rule: the board counts the unit as fully reported once all of them have (issue 20)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('prevention', '0006_screening_report_part'),
    ]

    operations = [
        migrations.AddField(
            model_name='cadencerule',
            name='parts',
            field=models.TextField(blank=True, default='', help_text='由各部门分项报送时，每行填写一个部门名称；各分项报齐才算报齐。留空则不分项。', verbose_name='分项（部门）'),
        ),
    ]
