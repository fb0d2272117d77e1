"""`xinfang serve`: migrate, then run the web server and the job worker until Ctrl-C; on an
empty database (or after a demo load that was stopped mid-way) the demo loads in the
background meanwhile, with a banner on every page until it is done."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections

from xinfang.core.config import generated_secrets_note
from xinfang.demo.status import demo_load_mark, demo_load_status
from xinfang.site.management.commands.demo import accounts_banner
from xinfang.units.models import Unit


class Command(BaseCommand):
    help = "启动网页服务和后台任务（首次运行时载入演示数据）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        # 2 × 4 for the 2 cores the platform is sized for (site/webserver.py says why).
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--no-worker", action="store_true", help="不启动后台任务进程")
        parser.add_argument("--no-demo", action="store_true", help="数据库为空时也不载入演示数据")

    def handle(
        self,
        *args,
        host: str,
        port: int,
        web_workers: int,
        threads: int,
        no_worker: bool,
        no_demo: bool,
        **options,
    ) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        python = sys.executable
        demo = None
        earlier = demo_load_status()
        stopped = earlier is not None and not earlier.running
        if not no_demo and (stopped or not Unit.objects.exists()):
            # In the background: the first page is served at once, logins work as soon as
            # the accounts are in (the demo's first step).
            demo = subprocess.Popen(
                [python, "-m", "xinfang.cli", "demo", *(["--resume"] if stopped else [])]
            )
            demo_load_mark(pid=demo.pid, step=0, steps=1, label="准备中")
            self.stdout.write("演示数据正在后台载入（页面顶部显示进度），网页服务同时启动。")
        self.stdout.write(accounts_banner())

        server = [
            python,
            "-m",
            "xinfang.site.webserver",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(web_workers),
            "--threads",
            str(threads),
            *(["--no-jobs"] if no_worker else []),
        ]
        note = generated_secrets_note()
        if note:
            self.stdout.write(self.style.WARNING(note))
        # The address is printed by the web server once it is listening (site/webserver.py):
        # the port it really got, or its error when the port is taken.
        self.stdout.write(
            f"\n正在启动网页服务（{host}:{port}）……\n"
            f"数据目录: {settings.DATA_DIR}   数据库: {settings.DATABASES['default']['ENGINE']}"
        )
        self.stdout.flush()
        # This process only supervises from here on: it becomes the stdlib-only supervisor
        # (same pid; the demo load stays its child), and the memory the migrations took goes.
        connections.close_all()
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(
            python,
            [
                python,
                "-m",
                "xinfang.site.supervisor",
                *(["--demo-pid", str(demo.pid)] if demo is not None else []),
                "--",
                *server,
            ],
        )
