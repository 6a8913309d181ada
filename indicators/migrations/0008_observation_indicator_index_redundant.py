# The indicator_id index duplicated the leading column of the unique key and the series index.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0007_search_trigram_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="observation",
            name="indicator",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="observations",
                to="indicators.indicator",
                verbose_name="指标",
            ),
        ),
    ]
