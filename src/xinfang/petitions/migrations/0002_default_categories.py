from django.db import migrations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEPLEN = 4


def _step(position: int) -> str:
    """treebeard's materialised-path step for the n-th sibling (1-based)."""
    digits = ""
    n = position
    while n:
        n, r = divmod(n, len(ALPHABET))
        digits = ALPHABET[r] + digits
    return digits.rjust(STEPLEN, "0")


def seed(apps, schema_editor):
    from xinfang.petitions.taxonomy import DEFAULT_CATEGORIES

    Category = apps.get_model("petitions", "Category")
    if Category.objects.exists():
        return
    for i, (code, name, line, is_litigation, children) in enumerate(DEFAULT_CATEGORIES, 1):
        root_path = _step(i)
        Category.objects.create(
            path=root_path, depth=1, numchild=len(children), code=code, name=name,
            line=line, is_litigation=is_litigation,
        )
        for j, (child_code, child_name) in enumerate(children, 1):
            Category.objects.create(
                path=root_path + _step(j), depth=2, numchild=0, code=child_code,
                name=child_name, line=line, is_litigation=is_litigation,
            )


class Migration(migrations.Migration):
    dependencies = [("petitions", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
