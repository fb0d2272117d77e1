import os

import django

from xinfang.core.handlers import XinfangWSGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
django.setup(set_prefix=False)
application = XinfangWSGIHandler()
