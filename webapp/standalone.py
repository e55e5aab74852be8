"""The standalone role (``make run``): prepare the instance and serve it."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade

from devices.agent import Agent, HttpTransport
from govcore import catalog, terminals
from govcore.clock import local_date, utcnow
from govcore.datahub import sandbox
from govcore.datahub.ports import SubjectDirectory
from govcore.decisions import proactive
from govcore.db import db
from webapp.config import Config
from webapp.demo_history import seed_history
from webapp.demo_staff import create_demo_accounts, current_totp
from webapp.devices import build_devices
from webapp.notifications import DeliveryThread
from webapp.supervision_cli import sample_now

standalone_cli = AppGroup("standalone", help="The one-process demo (make run).")


def prepare() -> list[str]:
    """Migrate the database, load the catalogue, fill an empty sandbox.

    Idempotent: a second run changes nothing. Returns what it did, for printing.
    """
    done = []
    upgrade()
    done.append("database migrated")
    report = catalog.load_catalog(
        catalog.read_catalog(Path(current_app.config["CATALOG_DIR"])), now=utcnow()
    )
    done.append(
        f"catalogue: {len(report.created)} new versions, "
        f"{len(report.unchanged)} unchanged"
    )
    if not sandbox.count_records():
        subjects, _ = sandbox.generate_into_sandbox(
            current_app.config["SANDBOX_DEFAULT_PEOPLE"],
            seed=current_app.config["SANDBOX_DEFAULT_SEED"],
            today=local_date(utcnow()),
            now=utcnow(),
        )
        done.append(f"sandbox: generated {subjects} subjects")
        done += seed_history(current_app, now=utcnow())
        done.append(offer_demo_grants())
    else:
        done.append(f"sandbox: {sandbox.count_people()} people already present")
    done.append(sample_now())
    return done


DEMO_PROACTIVE_ITEM = "aged-allowance"


def offer_demo_grants() -> str:
    """免申即享 for the demo: who qualifies for the aged allowance without
    having applied gets an offer (黄妙钿 among them), confirmed at the kiosk or
    on the phone. Run once, when the sandbox is new."""
    documents = current_app.extensions["miaopi.documents"]
    source = current_app.extensions["miaopi.datasource"]
    if documents is None or not isinstance(source, SubjectDirectory):
        return "proactive offers: skipped (no signing keys or no directory)"
    report = proactive.find_and_offer(
        DEMO_PROACTIVE_ITEM,
        source=source,
        directory=source,
        calendar=current_app.extensions["miaopi.calendar"],
        documents=documents,
        now=utcnow(),
        mode="confirm",
    )
    return f"proactive offers ({DEMO_PROACTIVE_ITEM}): {report.offered} made"


@standalone_cli.command("prepare")
@with_appcontext
def prepare_command() -> None:
    """Migrate, load the catalogue and generate the sandbox when empty."""
    for line in prepare():
        click.echo(line)


@standalone_cli.command("totp")
@click.argument("username")
@with_appcontext
def totp_command(username: str) -> None:
    """The current TOTP code of a demo account (the standalone demo only)."""
    click.echo(current_totp(username))


@standalone_cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@with_appcontext
def run_command(host: str, port: int, threads: int) -> None:
    """Prepare the instance, then serve it with waitress and print the URLs."""
    from waitress import serve

    for line in prepare():
        click.echo(line)
    for line in create_demo_accounts():
        click.echo(line)
    base = f"http://{host}:{port}"
    click.secho("\nmiaopi 秒批秒报 standalone demo", bold=True)
    click.echo(f"  自助终端 kiosk:        {base}/kiosk/")
    click.echo(f"  移动端接口 mobile API: {base}/api/v1/")
    click.echo(f"  后台管理 back office:  {base}/admin/")
    if current_app.config["DEVICES"] == "simulated":
        click.echo(f"  模拟设备 device panel: {base}/devices/sim/")
    click.echo(f"  健康检查 health:       {base}/healthz  {base}/readyz\n")
    app = current_app._get_current_object()
    point_qr_codes_here(app, base)
    delivery = start_delivery(app)
    agent = start_agent(app, f"http://127.0.0.1:{port}/api/v1/terminal")
    try:
        serve(app, host=host, port=port, threads=threads, ident="miaopi")
    finally:
        agent.set()
        if delivery is not None:
            delivery.stop()


def point_qr_codes_here(app: Flask, base: str) -> None:
    """QR codes of the demo lead to this server, unless configured otherwise."""
    services = app.extensions["miaopi.documents"]
    configured = app.config["VERIFY_BASE_URL"] != Config.VERIFY_BASE_URL
    if services is not None and not configured and "0.0.0.0" not in base:
        app.extensions["miaopi.documents"] = dataclasses.replace(
            services, verify_base_url=f"{base}/verify/"
        )


def start_delivery(app: Flask) -> DeliveryThread | None:
    """Deliver notifications in-process when ``NOTIFY_IN_PROCESS`` is on."""
    if not app.config.get("NOTIFY_IN_PROCESS"):
        return None
    thread = DeliveryThread(app, interval=float(app.config["NOTIFY_INTERVAL_S"]))
    thread.start()
    names = ", ".join(channel.name for channel in thread.channels)
    click.echo(f"  消息投递 notifications: in-process ({names})\n")
    return thread


DEMO_TERMINAL = "LH-DEMO-001"


def start_agent(app: Flask, url: str) -> threading.Event:
    """Run the terminal agent in-process with the simulated devices, speaking
    the same HTTP protocol to this server as a real terminal would. Returns
    the event that stops it."""
    code = app.config.get("KIOSK_TERMINAL") or DEMO_TERMINAL
    secret_file = Path(app.instance_path) / "demo-terminal.secret"
    secret_file.parent.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        if not secret_file.exists():
            _, secret = terminals.register(
                code,
                name="演示自助终端",
                location="龙湖区政务服务中心（演示）",
                now=utcnow(),
                actor="standalone",
            )
            db.session.commit()
            secret_file.write_text(secret)
            secret_file.chmod(0o600)
        devices = build_devices(app)
    agent = Agent(HttpTransport(url, code, secret_file.read_text().strip()), devices)
    stop = threading.Event()

    def loop() -> None:
        stop.wait(1)  # let the server start listening
        agent.run(stop, wait=10)

    threading.Thread(target=loop, name="terminal-agent", daemon=True).start()
    click.echo(f"  终端代理 terminal agent: {code} (simulated devices)\n")
    return stop
