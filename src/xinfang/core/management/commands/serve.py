"""`xinfang serve`: migrate, load the demo when the database is empty, then run the web
server and the job worker until Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from xinfang.core.management.commands.demo import accounts_banner
from xinfang.units.models import Unit


class Command(BaseCommand):
    help = "启动网页服务和后台任务（首次运行时载入演示数据）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--no-worker", action="store_true", help="不启动后台任务进程")
        parser.add_argument("--no-demo", action="store_true", help="数据库为空时也不载入演示数据")

    def handle(
        self,
        *args,
        host: str,
        port: int,
        web_workers: int,
        no_worker: bool,
        no_demo: bool,
        **options,
    ) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not no_demo and not Unit.objects.exists():
            self.stdout.write("数据库为空，正在载入演示数据……")
            call_command("demo", stdout=self.stdout)
        else:
            self.stdout.write(accounts_banner())

        python = sys.executable
        children: list[subprocess.Popen] = [
            subprocess.Popen(
                [
                    python,
                    "-m",
                    "gunicorn",
                    "xinfang.wsgi:application",
                    "--bind",
                    f"{host}:{port}",
                    "--workers",
                    str(web_workers),
                    "--threads",
                    "4",
                    "--access-logfile",
                    "-",
                    "--graceful-timeout",
                    "5",
                ]
            )
        ]
        if not no_worker:
            children.append(subprocess.Popen([python, "-m", "xinfang.cli", "run_huey"]))
        self.stdout.write(
            self.style.SUCCESS(
                f"\n信访事项办理平台已启动: http://{host}:{port}/   (按 Ctrl-C 停止)\n"
                f"数据目录: {settings.DATA_DIR}   数据库: {settings.DATABASES['default']['ENGINE']}"
            )
        )

        stopping = False

        def stop(signum, frame) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(c.poll() is None for c in children):
                time.sleep(0.5)
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            deadline = time.monotonic() + 10
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
            self.stdout.write("已停止。")
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
        if failed and not stopping:
            raise SystemExit(1)
