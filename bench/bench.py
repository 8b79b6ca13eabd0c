"""The CTN benchmark (`make bench`): a large history, production settings, budgets.

Steps, in one run:
1. drop and recreate the PostgreSQL database of DATABASE_URL, migrate, build the history
   (bench/history.py);
2. in this process: count the SQL queries of every page for every role, time the PDF of the
   largest session against WeasyPrint alone on the same HTML, check the ETag path;
3. collectstatic into a temporary STATIC_ROOT, start gunicorn (2 sync workers, production
   settings) on a free loopback port;
4. load each endpoint for a few seconds (wrk, or the asyncio client), weigh the pages, measure
   the workers' memory around 1,000 mixed requests;
5. print the Markdown tables and the PASS/FAIL of each budget, write bench/results.json and the
   table into bench/README.md.

Every figure that depends on the machine is reported as a ratio to the baseline view
(/healthz/: "ok", no database) measured in the same run.
"""

import argparse
import contextlib
import gzip
import hashlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urljoin, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "bench"
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from bench import history, loadgen  # noqa: E402

KB = 1024
QUERY_BUDGET = 15
HTML_BUDGET = 30 * KB
FIRST_VISIT_BUDGET = 120 * KB
MEMORY_GROWTH_BUDGET = 0.10
PDF_OVERHEAD_BUDGET = 0.10
PDF_DOWNLOAD_BUDGET = 0.5

ROLES = ("secretariat", "coordinator", "partner")
SEARCH_COMMON = "/search/?q=ANAM"
# The cold pass: every cache off (DummyCache, log-in sessions in the database), in process.
COLD_MS_BUDGET = 50
COLD_SEARCH_MS_BUDGET = 30
COLD_REQUESTS = 6
# The pass is run this many times, spread over the run (two before the load, one after it, the
# rest at the end). This machine's speed halves for seconds at a time (bench/README.md): a
# page's figure is its fastest timed request of all passes, as timeit takes the best of its
# repeats, the slower ones being other work's interference. The median of all its requests and
# each pass's median are printed beside it and kept in results.json.
COLD_PASSES = 5


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- database -----------------------------------------------------------------------------------


def recreate_database(url):
    import dj_database_url
    import psycopg2

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        raise SystemExit(f"The benchmark needs PostgreSQL; DATABASE_URL is {url}")
    name = config["NAME"]
    connection = psycopg2.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


# -- the pages ----------------------------------------------------------------------------------


def use_bench_certificate(work_dir, settings):
    """A throwaway self-signed certificate to sign the PDFs of record of the run (validation
    signs them), for this process and the gunicorn it starts."""
    from reports.signing import self_signed_pkcs12

    passphrase = os.urandom(16).hex()
    path = work_dir / "bench-certificate.p12"
    path.write_bytes(self_signed_pkcs12("CTN bench", "CTN bench", passphrase.encode()))
    os.environ["SIGNING_PKCS12_FILE"] = settings.SIGNING_PKCS12_FILE = str(path)
    os.environ["SIGNING_PKCS12_PASSPHRASE"] = settings.SIGNING_PKCS12_PASSPHRASE = passphrase
    log("signing with a throwaway self-signed certificate (SIGNING_PKCS12_FILE unset)")


def pages(built):
    """The pages under budget: (key, label, path, role measured under load, throughput ratio)."""
    largest = built["largest_session_pk"]
    return [
        ("dashboard", "Dashboard `/`", "/", "coordinator", 1 / 2),
        ("session_list", "Session list `/sessions/`", "/sessions/", "coordinator", 1 / 2),
        (
            "session_page",
            "Full page of the largest session",
            f"/sessions/{largest}/",
            "coordinator",
            1 / 5,
        ),
        ("portal", "Partners' portal `/reports/`", "/reports/", "partner", 1 / 2),
        ("search", "Search `/search/?q=`", "/search/?q=recommandation", "coordinator", 1 / 2),
    ]


def route_exists(path):
    from django.urls import Resolver404, resolve

    try:
        resolve(urlsplit(path).path)
    except Resolver404:
        return False
    return True


def pdf_path(session_pk):
    return f"/reports/{session_pk}/minutes.pdf"


def test_client(user=None):
    from django.conf import settings
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")
    if user is not None:
        client.force_login(user, backend=settings.AUTHENTICATION_BACKENDS[-1])
    return client


def count_queries(built, users):
    """SQL queries of each page for each role, on the full history (in this process)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results = {}
    paths = [(key, path) for key, _label, path, _role, _ratio in pages(built)]
    paths.append(("session_page_draft", f"/sessions/{built['latest_session_pk']}/"))
    paths.append(("pdf_download", pdf_path(built["largest_session_pk"])))
    for key, path in paths:
        if not route_exists(path):
            results[key] = None
            continue
        results[key] = {}
        for role in ROLES:
            client = test_client(users[role])
            client.get(path)  # warm caches that are meant to be warm
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path)
            results[key][role] = {"status": response.status_code, "queries": len(captured)}
    return results


def cold_pages(built):
    """The pages of the cold pass: (key, path)."""
    return [
        ("dashboard", "/"),
        ("session_list", "/sessions/"),
        ("portal", "/reports/"),
        ("search_common", SEARCH_COMMON),
        ("session_page", f"/sessions/{built['largest_session_pk']}/"),
        ("session_page_draft", f"/sessions/{built['latest_session_pk']}/"),
        ("minutes_page", f"/reports/{built['largest_session_pk']}/"),
        ("recommendation_list", "/sessions/recommendations/?status=open"),
    ]


def machine_pace_ms():
    """The time of a fixed pure-Python loop, the best of 3: a rough gauge of the machine's speed
    at each pass, for information (the page times swing more than it does)."""
    best = None
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for number in range(1_000_000):
            total += number
        elapsed = (time.perf_counter() - started) * 1000
        best = elapsed if best is None else min(best, elapsed)
    return round(best, 1)


def cold_pass(built, users):
    """Time and queries of each page for each role with every cache off, in this process:
    COLD_REQUESTS timed requests and their median (after one untimed, which also counts the
    queries: the timed ones run without Django's query capture)."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    dummy = {
        alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
        for alias in settings.CACHES
    }
    results = {"pace_ms": machine_pace_ms(), "pages": {}}
    with override_settings(CACHES=dummy, SESSION_ENGINE="django.contrib.sessions.backends.db"):
        clients = {role: test_client(users[role]) for role in ROLES}
        for key, path in cold_pages(built):
            if not route_exists(path):
                results["pages"][key] = None
                continue
            results["pages"][key] = {}
            for role, client in clients.items():
                client.get(path)  # Python's own first-time costs (imports, templates)
                with CaptureQueriesContext(connection) as captured:
                    status = client.get(path).status_code
                # Read now: each request's start empties the connection's query log.
                queries = len(captured)
                times = []
                for _ in range(COLD_REQUESTS):
                    started = time.perf_counter()
                    client.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                results["pages"][key][role] = {
                    "status": status,
                    "queries": queries,
                    "ms": round(_median(times), 1),
                    "times_ms": [round(ms, 1) for ms in times],
                }
    return results


def best_of_cold_passes(passes):
    """Per page and role: the fastest request of all passes (the budget's figure), the median
    of all of them, each pass's median, and the most queries."""
    best = {}
    for key, by_role in passes[0]["pages"].items():
        if by_role is None:
            best[key] = None
            continue
        best[key] = {}
        for role, first in by_role.items():
            seen = [each["pages"][key][role] for each in passes]
            times = [ms for item in seen for ms in item["times_ms"]]
            best[key][role] = {
                "status": first["status"],
                "queries": max(item["queries"] for item in seen),
                "ms": min(times),
                "median_ms": round(_median(times), 1),
                "passes_ms": [item["ms"] for item in seen],
            }
    return best


def check_pdf_download(built, users):
    """The validated PDF: logged, served from the stored bytes, 304 without reading them."""
    from django.apps import apps
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    path = pdf_path(built["largest_session_pk"])
    result = {"route": route_exists(path)}
    if not result["route"]:
        return result
    Download = apps.get_model("reports", "Download")
    MinutesVersion = apps.get_model("reports", "MinutesVersion")
    version = MinutesVersion.objects.get(
        minutes__session_id=built["largest_session_pk"], validated_at__isnull=False
    )
    anonymous = test_client().get(path)
    client = test_client(users["partner"])
    before = Download.objects.count()
    response = client.get(path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    with contextlib.suppress(ImportError):  # rows written off the request (reports/downloads.py)
        from reports.downloads import flush

        flush()
    result.update(
        anonymous_status=anonymous.status_code,
        status=response.status_code,
        etag=response.get("ETag"),
        served_sha256=hashlib.sha256(body).hexdigest(),
        stored_sha256=version.sha256,
        logged=Download.objects.count() - before,
        size=len(body),
    )
    with CaptureQueriesContext(connection) as captured:
        conditional = client.get(path, HTTP_IF_NONE_MATCH=response.get("ETag") or '"none"')
    pdf_column = re.compile(r'"reports_minutesversion"\."pdf"')
    result.update(
        conditional_status=conditional.status_code,
        conditional_reads_pdf=any(pdf_column.search(q["sql"]) for q in captured.captured_queries),
        conditional_queries=len(captured),
    )
    return result


def run_query_test():
    """tests/test_query_budgets.py in its own process (SQLite test database)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    env["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/test_query_budgets.py",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.strip()]
    failures = [line for line in lines if line.startswith("FAILED")]
    return {
        "returncode": completed.returncode,
        "summary": "; ".join(failures + lines[-1:]),
    }


# -- the PDF ------------------------------------------------------------------------------------


class WeasyPrintSpy:
    """Records what the project gives WeasyPrint, to give the same straight to WeasyPrint.

    It records the `weasyprint.HTML(...)` calls made in this process and, when the project
    renders in a forked child (out of this process's sight), the HTML handed to
    `reports.pdf._write_pdf`, replayed the way reports/pdf.py calls WeasyPrint.
    """

    def __init__(self):
        import weasyprint

        from reports import pdf

        self.weasyprint = weasyprint
        self.pdf = pdf
        self.original = weasyprint.HTML
        self.original_write = getattr(pdf, "_write_pdf", None)
        self.calls = []
        self.handed = []

    def __enter__(self):
        spy = self
        original = self.original

        class RecordingHTML(original):
            def __init__(self, *args, **kwargs):
                spy.calls.append({"args": args, "kwargs": kwargs, "write_pdf": None})
                super().__init__(*args, **kwargs)

            def write_pdf(self, *args, **kwargs):
                spy.calls[-1]["write_pdf"] = (args, kwargs)
                return super().write_pdf(*args, **kwargs)

        self.weasyprint.HTML = RecordingHTML
        if self.original_write is not None:

            def recording_write(html, **kwargs):
                spy.handed.append((html, kwargs))
                return spy.original_write(html, **kwargs)

            self.pdf._write_pdf = recording_write
        return self

    def __exit__(self, *exc):
        self.weasyprint.HTML = self.original
        if self.original_write is not None:
            self.pdf._write_pdf = self.original_write

    def replay(self):
        """The recorded rendering, straight through WeasyPrint in this process."""
        if self.calls:
            for call in self.calls:
                document = self.original(*call["args"], **call["kwargs"])
                if call["write_pdf"] is not None:
                    args, kwargs = call["write_pdf"]
                    document.write_pdf(*args, **kwargs)
            return
        for html, kwargs in self.handed:
            # The very call the child makes: WeasyPrint with the record's variant and
            # attachments, nothing of the project around it.
            self.pdf._weasyprint_pdf(html, **kwargs)

    @property
    def renders(self):
        return sum(1 for call in self.calls if call["write_pdf"] is not None) or len(self.handed)


def time_pdf(built, repeat):
    """Best-of-`repeat` times of render_minutes_pdf (the PDF of record of the largest session)
    and of WeasyPrint alone given the same HTML, base URL, URL fetcher and options."""
    import inspect

    from reports.models import Minutes, MinutesVersion
    from reports.pdf import render_minutes_pdf

    def render():
        minutes = Minutes.objects.get(session_id=built["largest_session_pk"])
        if "record" in inspect.signature(render_minutes_pdf).parameters:
            version = MinutesVersion.objects.get(minutes=minutes, number=minutes.version)
            return render_minutes_pdf(minutes, record=True, version=version)
        return render_minutes_pdf(minutes)

    with WeasyPrintSpy() as spy:
        pdf = render()
    alone = spy.replay

    # Interleaved pairs, so that a change in the machine's load touches both alike; the ratio is
    # the median of the pairs' ratios, stable from run to run where a ratio of bests was not.
    project_times, weasyprint_times = [], []
    for _ in range(repeat):
        for function, times in ((render, project_times), (alone, weasyprint_times)):
            started = time.perf_counter()
            function()
            times.append(time.perf_counter() - started)
    pair_ratio = _median([p / a for p, a in zip(project_times, weasyprint_times, strict=True)])
    project, alone = _median(project_times), _median(weasyprint_times)
    return {
        "pdf": pdf,
        "size": len(pdf),
        "weasyprint_calls": len(spy.calls),
        "write_pdf_calls": spy.renders,
        "forked": not spy.calls and bool(spy.handed),
        "project_s": project,
        "weasyprint_s": alone,
        "overhead": pair_ratio - 1,
        "ratio": pair_ratio,
        "repeat": repeat,
    }


# -- the server ---------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port, workers, log_path):
    command = [
        str(BASE_DIR / ".venv" / "bin" / "gunicorn"),
        "ctn.wsgi:application",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "--backlog",
        "256",
        "--log-level",
        "warning",
    ]
    if not Path(command[0]).exists():
        command[0] = shutil.which("gunicorn") or "gunicorn"
    log_file = open(log_path, "w")  # noqa: SIM115 - closed in stop_gunicorn
    process = subprocess.Popen(
        command, cwd=BASE_DIR, stdout=log_file, stderr=subprocess.STDOUT, env=os.environ.copy()
    )
    process.log_file = log_file
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {log_path}")
        try:
            status, _headers, _body = fetch(port, "/healthz/")
            if status == 200 and len(worker_pids(process.pid)) == workers:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    stop_gunicorn(process)
    raise SystemExit(f"gunicorn did not answer on port {port}; see {log_path}")


def stop_gunicorn(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    process.log_file.close()


def worker_pids(master_pid):
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    try:
        return [int(pid) for pid in children.read_text().split()]
    except OSError:
        return []


def memory_kb(pid):
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in {"VmRSS", "VmHWM"}:
            values[name] = int(value.split()[0])
    return values


def browser_cookie(port, cookie, csrf_cookie_name):
    """The Cookie header of a logged-in browser once its first page is loaded: the session
    cookie and the CSRF cookie that page set. A client that sent no CSRF cookie back would be
    given a new secret, and a Set-Cookie, with every page."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("GET", "/", headers={"Cookie": cookie})
        response = connection.getresponse()
        response.read()
        jar = SimpleCookie()
        for header in response.msg.get_all("Set-Cookie") or []:
            jar.load(header)
    finally:
        connection.close()
    if csrf_cookie_name not in jar:
        raise SystemExit(f"the dashboard set no {csrf_cookie_name} cookie")
    return f"{cookie}; {csrf_cookie_name}={jar[csrf_cookie_name].value}"


def fetch(port, path, headers=None, method="GET"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _median(values):
    values = sorted(value for value in values if value is not None)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def measure_endpoints(port, endpoints, cookies, pdf_etag, args):
    """Each endpoint in `args.rounds` rounds, each round its reference then itself.

    The machine is shared and its load drifts: pairing each measurement with its reference
    (the baseline, or for the PDF the static file) measured just before, and taking the median
    of the rounds' ratios, keeps the ratios honest when absolute figures move.
    """
    base = f"http://127.0.0.1:{port}"
    load = {}
    references = {}
    specs = {}
    for key, path, role, expected in endpoints:
        if not route_exists(path) and not key.startswith(("static", "baseline")):
            log(f"{key}: n/a (route missing: {path})")
            continue
        headers = {"Cookie": cookies[role]} if role else {}
        if key == "pdf_304":
            headers["If-None-Match"] = pdf_etag or '"none"'
        status, _h, _b = fetch(port, path, headers)
        if status != expected:
            log(f"{key}: {path} answered {status}, expected {expected}: not measured")
            load[key] = {"rps": 0.0, "p50_ms": 0, "p95_ms": 0, "errors": 1, "status": status}
            continue
        specs[key] = (path, headers)
        loadgen.measure(base + path, seconds=1, connections=args.connections, headers=headers)

    def run(key):
        path, headers = specs[key]
        return loadgen.measure(
            base + path, seconds=args.seconds, connections=args.connections, headers=headers
        )

    for key in specs:
        if key == "baseline":
            continue
        reference = "static_same_size" if key in {"pdf_download", "pdf_304"} else "baseline"
        if reference not in specs:
            reference = "baseline"
        rounds = []
        for _ in range(args.rounds):
            ref = run(reference)
            references.setdefault(reference, []).append(ref)
            own = run(key)
            rounds.append(
                {
                    "reference": ref,
                    "own": own,
                    "ratio": own["rps"] / ref["rps"] if ref["rps"] else None,
                    "p50_ratio": own["p50_ms"] / ref["p50_ms"] if ref["p50_ms"] else None,
                    "p95_ratio": own["p95_ms"] / ref["p95_ms"] if ref["p95_ms"] else None,
                }
            )
        load[key] = _aggregate([r["own"] for r in rounds])
        load[key].update(
            reference=reference,
            ratio=_median(r["ratio"] for r in rounds),
            p50_ratio=_median(r["p50_ratio"] for r in rounds),
            p95_ratio=_median(r["p95_ratio"] for r in rounds),
            rounds=rounds,
        )
        log(
            f"{key}: {load[key]['rps']:.0f} req/s, {load[key]['ratio']:.3f} × {reference}, "
            f"p50 {load[key]['p50_ms']:.1f} ms, {load[key]['errors']} errors"
        )
    for reference, runs in references.items():
        if reference == "baseline":
            load["baseline"] = _aggregate(runs)
            load["baseline"].update(ratio=1.0, p50_ratio=1.0, p95_ratio=1.0, reference="baseline")
    if "static_same_size" in load:
        load["static_same_size"]["static_runs"] = _aggregate(references.get("static_same_size", []))
    return load


def _aggregate(runs):
    requests = sum(run["requests"] for run in runs)
    seconds = sum(run["seconds"] for run in runs)
    return {
        "tool": runs[0]["tool"] if runs else None,
        "requests": requests,
        "seconds": round(seconds, 3),
        "rps": requests / seconds if seconds else 0.0,
        "p50_ms": _median(run["p50_ms"] for run in runs),
        "p95_ms": _median(run["p95_ms"] for run in runs),
        "errors": sum(run["errors"] for run in runs),
    }


# -- page weight --------------------------------------------------------------------------------


class AssetParser(HTMLParser):
    """The resources a browser fetches for a page, and any that points to another host."""

    def __init__(self):
        super().__init__()
        self.assets = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("href"):
            rel = (attrs.get("rel") or "").lower()
            if any(word in rel for word in ("stylesheet", "icon", "preload", "modulepreload")):
                self.assets.append(attrs["href"])
        elif tag in {"script", "img", "iframe", "source", "audio", "video", "embed"}:
            if attrs.get("src"):
                self.assets.append(attrs["src"])
        elif tag == "form" and attrs.get("action", "").startswith(("http:", "https:", "//")):
            self.assets.append(attrs["action"])


CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
CSS_IMPORT = re.compile(r"@import\s+['\"]([^'\"]+)['\"]")


def is_other_host(url):
    parts = urlsplit(url)
    return bool(parts.netloc) and parts.hostname not in {"127.0.0.1", "localhost"}


def wire_size(body, headers):
    """Bytes on the wire; HTML that the app does not compress is counted gzipped (level 6),
    as the reverse proxy in front of it sends it."""
    if headers.get("Content-Encoding"):
        return len(body), headers["Content-Encoding"]
    return len(gzip.compress(body, 6)), "gzip -6 (proxy)"


def weigh_page(port, path, cookie):
    encoding = {"Accept-Encoding": "br, gzip"}
    status, headers, body = fetch(
        port, path, {**encoding, **({"Cookie": cookie} if cookie else {})}
    )
    html_size, html_encoding = wire_size(body, headers)
    raw_status, _raw_headers, raw = fetch(
        port, path, {"Cookie": cookie} if cookie else {}
    )  # uncompressed, to parse
    parser = AssetParser()
    parser.feed(raw.decode("utf-8", "replace"))
    other_hosts = [url for url in parser.assets if is_other_host(url)]
    seen, queue, assets = set(), [urljoin(path, url) for url in parser.assets], []
    while queue:
        url = queue.pop(0)
        if url in seen or url.startswith("data:"):
            continue
        seen.add(url)
        if is_other_host(url):
            other_hosts.append(url)
            continue
        asset_status, asset_headers, asset_body = fetch(port, urlsplit(url).path, encoding)
        size = len(asset_body)
        assets.append(
            {
                "url": url,
                "status": asset_status,
                "bytes": size,
                "encoding": asset_headers.get("Content-Encoding", ""),
            }
        )
        if asset_headers.get("Content-Type", "").startswith("text/css") and asset_status == 200:
            _s, _h, css = fetch(port, urlsplit(url).path)
            text = css.decode("utf-8", "replace")
            for found in CSS_URL.findall(text) + CSS_IMPORT.findall(text):
                if not found.startswith("data:"):
                    queue.append(urljoin(url, found))
    return {
        "status": status,
        "raw_status": raw_status,
        "html_bytes": html_size,
        "html_raw_bytes": len(raw),
        "html_encoding": html_encoding,
        "assets": assets,
        "first_visit_bytes": html_size + sum(asset["bytes"] for asset in assets),
        "other_hosts": sorted(set(other_hosts)),
    }


# -- memory -------------------------------------------------------------------------------------


def mixed_requests(port, plan, threads=4, deadline=None):
    """Send the (path, cookie) plan over `threads` connections, until done or `deadline`
    (time.monotonic()); returns the statuses seen and how many requests were sent."""
    statuses = {}
    lock = threading.Lock()
    index = iter(range(len(plan)))
    sent = [0]

    def worker():
        while deadline is None or time.monotonic() < deadline:
            with lock:
                position = next(index, None)
            if position is None:
                return
            path, cookie = plan[position]
            try:
                status, _h, _b = fetch(port, path, {"Cookie": cookie})
            except OSError:
                status = "error"
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                sent[0] += 1

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return statuses, sent[0]


def preview_path(built):
    """The route that renders the PDF on request (a draft's preview), if the project has one."""
    from django.urls import NoReverseMatch, reverse

    for name in ("reports:preview", "reports:preview_pdf", "reports:minutes_preview"):
        with contextlib.suppress(NoReverseMatch):
            return reverse(name, args=[built["latest_session_pk"] - 1])
    return None


def memory_plan(built, cookies, count, renders):
    largest = built["largest_session_pk"]
    rotation = [
        ("/", "coordinator"),
        ("/sessions/", "coordinator"),
        (None, "coordinator"),  # a session page, a different one each time
        ("/reports/", "partner"),
        (pdf_path(largest), "partner"),
        ("/", "partner"),
        ("/", "secretariat"),
        ("/healthz/", "partner"),
    ]
    first, last = built["first_session_pk"], built["latest_session_pk"]
    plan = []
    for position in range(count):
        path, role = rotation[position % len(rotation)]
        if path is None:
            path = f"/sessions/{first + (position * 37) % (last - first + 1)}/"
        plan.append((path, cookies[role]))
    preview = preview_path(built)
    if preview and renders:
        step = count // renders
        for k in range(renders):
            plan[k * step] = (preview, cookies["coordinator"])
    return plan, preview


def measure_memory(port, master_pid, built, cookies, count, renders, seconds):
    """VmRSS/VmHWM of each worker after a warm-up and after `count` mixed requests.

    Bounded in time: after `seconds` the run stops where it is and says how far it got.
    """
    plan, preview = memory_plan(built, cookies, count, renders)
    deadline = time.monotonic() + seconds
    # Warm-up: every worker renders PDFs (WeasyPrint's import and fonts are its largest
    # one-off cost; concurrent requests land on different sync workers), then a mixed round.
    workers = len(worker_pids(master_pid))
    if preview and renders:
        for _ in range(2):
            mixed_requests(
                port, [(preview, cookies["coordinator"])] * workers, workers, deadline=deadline
            )
    warmup, _ = memory_plan(built, cookies, max(200, count // 5), 0)
    mixed_requests(port, warmup, deadline=deadline)
    before = {pid: memory_kb(pid) for pid in worker_pids(master_pid)}
    started = time.perf_counter()
    statuses, sent = mixed_requests(port, plan, deadline=deadline + seconds)
    elapsed = time.perf_counter() - started
    after = {pid: memory_kb(pid) for pid in worker_pids(master_pid)}
    rows = []
    for pid in sorted(set(before) | set(after)):
        b, a = before.get(pid), after.get(pid)
        rows.append(
            {
                "pid": pid,
                "rss_before_kb": b and b["VmRSS"],
                "rss_after_kb": a and a["VmRSS"],
                "peak_kb": a and a["VmHWM"],
                "peak_before_kb": b and b["VmHWM"],
                "growth": (a["VmRSS"] / b["VmRSS"] - 1) if a and b else None,
                "peak_growth": (a["VmHWM"] / b["VmHWM"] - 1) if a and b else None,
            }
        )
    done = plan[:sent]
    return {
        "requests": sent,
        "planned": len(plan),
        "pdf_renders": sum(1 for path, _ in done if path == preview) if preview else 0,
        "preview_route": preview,
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
        "seconds": round(elapsed, 1),
        "workers": rows,
        "replaced_workers": sorted(set(before) ^ set(after)),
    }


# -- report -------------------------------------------------------------------------------------


def ratio(value, reference):
    return value / reference if reference else None


def fmt_ratio(value):
    return "n/a" if value is None else f"{value:.2f}"


def fmt_kb(value):
    return "n/a" if value is None else f"{value / KB:.1f} KB"


def fmt_mb(kilobytes):
    return "n/a" if kilobytes is None else f"{kilobytes / 1024:.1f} MB"


def build_budgets(results):
    budgets = []

    def add(name, passed, detail):
        budgets.append({"budget": name, "result": "PASS" if passed else "FAIL", "detail": detail})

    loads = results["load"]
    for key, label, _path, _role, minimum in results["pages"]:
        name = f"{label}: throughput ≥ {minimum:.2f} × baseline"
        load = loads.get(key)
        if load is None:
            add(name, False, "n/a (route missing)")
            continue
        value = load.get("ratio")
        add(
            name,
            load["errors"] == 0 and value is not None and value >= minimum,
            f"{fmt_ratio(value)} × baseline ({load['errors']} errors)",
        )
    for key, by_role in results["queries"].items():
        name = f"Queries of `{key}` ≤ {QUERY_BUDGET} for every role"
        if by_role is None:
            add(name, False, "n/a (route missing)")
            continue
        worst = max(item["queries"] for item in by_role.values())
        detail = ", ".join(
            f"{role} {item['queries']} ({item['status']})" for role, item in by_role.items()
        )
        add(name, worst <= QUERY_BUDGET, detail)
    for key, by_role in (results.get("cold") or {}).items():
        limit = COLD_SEARCH_MS_BUDGET if key.startswith("search") else COLD_MS_BUDGET
        name = f"Cold `{key}`: ≤ {QUERY_BUDGET} queries and ≤ {limit} ms for every role"
        if by_role is None:
            add(name, False, "n/a (route missing)")
            continue
        detail = ", ".join(
            f"{role} {item['ms']:.0f} ms / {item['queries']} q" for role, item in by_role.items()
        )
        seen = [item for item in by_role.values() if item["status"] == 200]
        add(
            name,
            all(item["queries"] <= QUERY_BUDGET and item["ms"] <= limit for item in seen),
            detail,
        )
    constancy = results.get("query_test")
    if constancy:
        add(
            "Queries independent of the history (tests/test_query_budgets.py: every page, every "
            "role, 1 session vs 50 large ones, ≤ 15)",
            constancy["returncode"] == 0,
            constancy["summary"],
        )

    pdf = results["pdf_download"]
    download = loads.get("pdf_download")
    name = (
        f"Validated PDF download: throughput ≥ {PDF_DOWNLOAD_BUDGET} × static file of the same size"
    )
    if download and download.get("reference") == "static_same_size":
        value = download.get("ratio")
        add(
            name,
            download["errors"] == 0 and value is not None and value >= PDF_DOWNLOAD_BUDGET,
            f"{fmt_ratio(value)} × static",
        )
    else:
        add(name, False, "n/a (route missing)")
    name = "Validated PDF download: authenticated and logged"
    if pdf.get("route"):
        add(
            name,
            pdf["anonymous_status"] != 200 and pdf["status"] == 200 and pdf["logged"] == 1,
            f"anonymous {pdf['anonymous_status']}, partner {pdf['status']}, "
            f"{pdf['logged']} download row(s) written",
        )
    else:
        add(name, False, "n/a (route missing)")
    name = "ETag / If-None-Match answered 304 without reading the PDF"
    if pdf.get("route"):
        add(
            name,
            bool(pdf["etag"])
            and pdf["conditional_status"] == 304
            and not pdf["conditional_reads_pdf"]
            and loads.get("pdf_304", {}).get("errors", 1) == 0,
            f"ETag {'present' if pdf['etag'] else 'missing'}, status {pdf['conditional_status']}, "
            f"PDF column read: {'yes' if pdf['conditional_reads_pdf'] else 'no'}",
        )
    else:
        add(name, False, "n/a (route missing)")

    render = results.get("pdf_render")
    if render:
        add(
            f"PDF rendering: project overhead over WeasyPrint alone ≤ {PDF_OVERHEAD_BUDGET:.0%} "
            "(median of interleaved pairs)",
            render["overhead"] is not None and render["overhead"] <= PDF_OVERHEAD_BUDGET,
            f"{render['overhead'] * 100:+.1f}% (ratio {render['ratio']:.2f}; "
            f"{render['write_pdf_calls']} write_pdf call(s) per render)",
        )
        served_stored = bool(pdf.get("route")) and pdf["served_sha256"] == pdf["stored_sha256"]
        fast = bool(download) and download["p95_ms"] / 1000 < render["project_s"] / 10
        add(
            "PDF rendered once per version, never on download",
            served_stored and fast,
            f"served bytes = stored PDF of record: {'yes' if served_stored else 'no'}; "
            f"download p95 {render_ratio(download, render)} of one render",
        )
    else:
        add("PDF rendering: project overhead ≤ 20%", False, "n/a (reports.pdf missing)")

    weights = results["weight"]
    if weights:
        worst_html = max(weights.items(), key=lambda kv: kv[1]["html_bytes"])
        add(
            "Page weight: every page's HTML ≤ 30 KB compressed",
            worst_html[1]["html_bytes"] <= HTML_BUDGET,
            f"largest: {worst_html[0]} {fmt_kb(worst_html[1]['html_bytes'])}",
        )
        worst_visit = max(weights.items(), key=lambda kv: kv[1]["first_visit_bytes"])
        add(
            "Page weight: first visit (HTML, CSS, JS, fonts) ≤ 120 KB compressed",
            worst_visit[1]["first_visit_bytes"] <= FIRST_VISIT_BUDGET,
            f"largest: {worst_visit[0]} {fmt_kb(worst_visit[1]['first_visit_bytes'])}",
        )
        others = sorted({url for weight in weights.values() for url in weight["other_hosts"]})
        add("No request to another host", not others, ", ".join(others) or "none")

    memory = results["memory"]
    growths = [w["growth"] for w in memory["workers"] if w["growth"] is not None]
    growths += [w["peak_growth"] for w in memory["workers"] if w["peak_growth"] is not None]
    worst = max(growths) if growths else None
    complete = memory["requests"] == memory["planned"]
    add(
        "Worker memory grows ≤ 10% over 1,000 mixed requests",
        complete
        and worst is not None
        and worst <= MEMORY_GROWTH_BUDGET
        and not memory["replaced_workers"],
        (
            f"worst growth {worst * 100:+.1f}% (RSS and peak), {memory['pdf_renders']} PDF renders"
            if worst is not None
            else "no worker measured"
        )
        + ("" if complete else f"; only {memory['requests']} requests within the time limit"),
    )
    return budgets


def render_ratio(download, render):
    if not download:
        return "n/a"
    return f"{download['p95_ms'] / 1000 / render['project_s']:.3f}"


def markdown(results):
    lines = []
    loads = results["load"]
    built = results["built"]
    lines.append(
        f"History: {built['sessions']} sessions ({built['validated']} validated), "
        f"{built['agenda_items']} agenda items, {built['interventions']} interventions, "
        f"{built['attendances']} attendances, {built['recommendations']} recommendations, "
        f"follow-ups: {built['follow_ups'] or 'none (no FollowUp model yet)'}. "
        f"Load: {results['load_tool']}, {results['rounds']} paired rounds of "
        f"{results['seconds']} s per endpoint (reference, then endpoint), "
        f"{results['connections']} connections; gunicorn, {results['workers']} sync workers."
    )
    lines.append("")
    lines.append(
        "| Endpoint | Role | Queries | Throughput ratio | p50 ratio | p95 ratio | Budget | Result |"
    )
    lines.append("|---|---|---:|---:|---:|---:|---|---|")
    rows = [("baseline", 'Baseline `/healthz/` ("ok", no database)', "–", None)]
    rows += [(key, label, role, minimum) for key, label, _p, role, minimum in results["pages"]]
    rows += [
        (
            "pdf_download",
            "Validated PDF download (ratios to the static file)",
            "partner",
            PDF_DOWNLOAD_BUDGET,
        ),
        (
            "pdf_304",
            "Validated PDF, If-None-Match → 304 (ratios to the static file)",
            "partner",
            None,
        ),
        (
            "search_common",
            f"Search, a term in thousands of rows `{SEARCH_COMMON}`",
            "coordinator",
            None,
        ),
        ("static_same_size", "Static file of the PDF's size", "–", None),
    ]
    for key, label, role, minimum in rows:
        load = loads.get(key)
        by_role = results["queries"].get(key)
        queries = str(max(item["queries"] for item in by_role.values())) if by_role else "–"
        if load is None:
            result = "FAIL" if minimum is not None else ""
            lines.append(f"| {label} | {role} | {queries} | n/a (route missing) | | | | {result} |")
            continue
        budget, result = "–", ""
        if minimum is not None:
            value = load.get("ratio")
            budget = f"≥ {minimum:.2f}"
            passed = value is not None and value >= minimum and load["errors"] == 0
            result = "PASS" if passed else "FAIL"
        lines.append(
            f"| {label} | {role} | {queries} | {fmt_ratio(load.get('ratio'))} | "
            f"{fmt_ratio(load.get('p50_ratio'))} | {fmt_ratio(load.get('p95_ratio'))} | "
            f"{budget} | {result} |"
        )
    baseline = loads.get("baseline")
    if baseline:
        lines.append("")
        lines.append(
            f"Baseline in this run (for scale only): {baseline['rps']:.0f} requests/s, "
            f"p50 {baseline['p50_ms']:.2f} ms, p95 {baseline['p95_ms']:.2f} ms."
        )
    render = results.get("pdf_render")
    if render:
        lines.append("")
        lines.append(
            f"PDF of record of the largest session ({fmt_kb(render['size'])}): the project's "
            f"`render_minutes_pdf` takes {render['ratio']:.2f} × the time of WeasyPrint alone on "
            f"the same HTML (median ratio of {render['repeat']} interleaved pairs; medians "
            f"{render['project_s']:.2f} s vs {render['weasyprint_s']:.2f} s)."
        )
    if results["weight"]:
        lines.append("")
        lines.append("| Page | HTML (compressed) | First visit (HTML+CSS+JS+fonts) | Other hosts |")
        lines.append("|---|---:|---:|---|")
        for name, weight in results["weight"].items():
            lines.append(
                f"| {name} | {fmt_kb(weight['html_bytes'])} | "
                f"{fmt_kb(weight['first_visit_bytes'])} | {len(weight['other_hosts'])} |"
            )
    memory = results["memory"]
    lines.append("")
    lines.append("| Worker | RSS after warm-up | RSS after | Peak (VmHWM) | Growth |")
    lines.append("|---|---:|---:|---:|---:|")
    for number, worker in enumerate(memory["workers"], start=1):
        growth = worker["growth"]
        lines.append(
            f"| {number} | {fmt_mb(worker['rss_before_kb'])} | "
            f"{fmt_mb(worker['rss_after_kb'])} | {fmt_mb(worker['peak_kb'])} | "
            f"{'n/a' if growth is None else f'{growth * 100:+.1f}%'} |"
        )
    lines.append("")
    lines.append(
        f"{memory['requests']} mixed requests with {memory['pdf_renders']} PDF renders; "
        f"statuses {memory['statuses']}."
    )
    cold = results.get("cold")
    if cold:
        lines.append("")
        lines.append(
            f"Cold pass (every cache off: DummyCache, log-in sessions in the database; in "
            f"process, {COLD_PASSES} passes of {COLD_REQUESTS} requests spread over the run; "
            f"each cell: the fastest request, the queries, then the median of all requests "
            f"and each pass's median; the machine's pace at each pass, a fixed Python loop: "
            + ", ".join(f"{each['pace_ms']} ms" for each in results["cold_passes"])
            + "):"
        )
        lines.append("")
        lines.append("| Page | " + " | ".join(ROLES) + " |")
        lines.append("|---|" + "---:|" * len(ROLES))
        for key, by_role in cold.items():
            if by_role is None:
                lines.append(f"| {key} | " + " | ".join("n/a" for _ in ROLES) + " |")
                continue
            cells = [
                f"{by_role[role]['ms']:.0f} ms / {by_role[role]['queries']} q"
                f" ({by_role[role]['status']}; median {by_role[role]['median_ms']:.0f}; "
                + "/".join(f"{ms:.0f}" for ms in by_role[role]["passes_ms"])
                + ")"
                for role in ROLES
            ]
            lines.append(f"| {key} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("| Budget | Measured | Result |")
    lines.append("|---|---|---|")
    for budget in results["budgets"]:
        lines.append(f"| {budget['budget']} | {budget['detail']} | {budget['result']} |")
    passed = sum(1 for b in results["budgets"] if b["result"] == "PASS")
    failed = len(results["budgets"]) - passed
    lines.append("")
    lines.append(f"BUDGETS: {passed} PASS, {failed} FAIL")
    return "\n".join(lines)


def update_readme(table):
    readme = BENCH_DIR / "README.md"
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    if not readme.exists():
        return
    text = readme.read_text()
    if start not in text or end not in text:
        return
    before, rest = text.split(start, 1)
    _old, after = rest.split(end, 1)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    readme.write_text(f"{before}{start}\nLatest run: {stamp}.\n\n{table}\n{end}{after}")


# -- main ---------------------------------------------------------------------------------------


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=2, help="per round and endpoint")
    parser.add_argument("--rounds", type=int, default=5, help="paired rounds per endpoint")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-requests", type=int, default=1000)
    parser.add_argument("--memory-renders", type=int, default=10)
    parser.add_argument(
        "--memory-seconds", type=int, default=150, help="time limit of the warm-up and of the run"
    )
    parser.add_argument("--pdf-repeat", type=int, default=7, help="interleaved pairs")
    parser.add_argument("--skip-query-test", action="store_true")
    parser.add_argument(
        "--build-only", action="store_true", help="build the history and stop (for profiling)"
    )
    parser.add_argument("--no-readme", action="store_true", help="leave bench/README.md alone")
    parser.add_argument(
        "--cold-only", action="store_true", help="build the history, run the cold pass, stop"
    )
    return parser.parse_args()


def main():
    args = parse_args()
    started = time.perf_counter()
    work_dir = Path(tempfile.mkdtemp(prefix="ctn-bench-"))
    os.environ.setdefault("BENCH_STATIC_ROOT", str(work_dir / "static"))
    os.environ.setdefault("CACHE_DIR", str(work_dir / "cache"))
    if not args.skip_query_test:
        log("tests/test_query_budgets.py (1 session vs 50 large ones)")
        results_query_test = run_query_test()
        log(results_query_test["summary"])
    else:
        results_query_test = None
    log(f"database {os.environ['DATABASE_URL']}: drop and create")
    recreate_database(os.environ["DATABASE_URL"])

    import logging

    import django

    django.setup()
    # The in-process query count asks for pages some roles may not see: no 404 warnings.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections

    assert not settings.DEBUG, "the benchmark runs with production settings (DEBUG off)"
    if not settings.SIGNING_PKCS12_FILE:
        use_bench_certificate(work_dir, settings)
    log("migrate")
    call_command("migrate", verbosity=0, interactive=False)
    log("collectstatic (WhiteNoise compressed manifest) into a temporary STATIC_ROOT")
    call_command("collectstatic", interactive=False, verbosity=0)
    log(f"build the history ({args.sessions} sessions)")
    t0 = time.perf_counter()
    built = history.build_history(sessions=args.sessions)
    built["build_seconds"] = round(time.perf_counter() - t0, 1)
    # As autovacuum keeps a production database: planner statistics up to date and the GIN
    # indexes' pending lists merged after the bulk load (else the planner shuns them).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    log(
        f"history built in {built['build_seconds']} s; "
        f"largest session pk {built['largest_session_pk']}"
    )
    users = {role: get_user_model().objects.get(pk=pk) for role, pk in built["users"].items()}
    if args.cold_only:
        passes = []
        for number in range(1, COLD_PASSES + 1):
            passes.append(cold_pass(built, users))
            log(f"cold pass {number}/{COLD_PASSES} (machine pace {passes[-1]['pace_ms']} ms)")
        print(json.dumps({"passes": passes, "best": best_of_cold_passes(passes)}, indent=1))
        return
    if args.build_only:
        shutil.rmtree(work_dir, ignore_errors=True)
        print(json.dumps(built, indent=2, default=str))
        return

    results = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "built": built,
        "workers": args.workers,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "connections": args.connections,
        "load_tool": "wrk" if loadgen.have_wrk() else "python asyncio client",
        "pages": pages(built),
        "query_test": results_query_test,
    }
    try:
        import reports.pdf  # noqa: F401

        has_pdf = True
    except ImportError:
        has_pdf = False
    pdf_bytes = None
    if has_pdf and built["versions"]:
        from reports.models import MinutesVersion

        pdf_bytes = bytes(
            MinutesVersion.objects.get(minutes__session_id=built["largest_session_pk"]).pdf
        )
        log(f"time the PDF ({args.pdf_repeat} interleaved pairs) against WeasyPrint alone")
        render = time_pdf(built, args.pdf_repeat)
        render.pop("pdf")
        results["pdf_render"] = render
    log("count queries of every page for every role")
    results["queries"] = count_queries(built, users)
    log(f"cold passes 1-2/{COLD_PASSES}: every page for every role with every cache off")
    cold_passes = [cold_pass(built, users), cold_pass(built, users)]
    results["pdf_download"] = check_pdf_download(built, users) if built["versions"] else {}

    static_name = "bench-same-size-as-pdf.pdf"
    same_size = pdf_bytes or os.urandom(200 * KB)
    (Path(settings.STATIC_ROOT) / static_name).write_bytes(same_size)

    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore
    cookies = {}
    for role, user in users.items():
        session = store()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = settings.AUTHENTICATION_BACKENDS[-1]
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.save()
        cookies[role] = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    pdf_etag = results["pdf_download"].get("etag")
    connections.close_all()

    port = free_port()
    log(f"gunicorn, {args.workers} workers, on 127.0.0.1:{port}")
    server = start_gunicorn(port, args.workers, work_dir / "gunicorn.log")
    try:
        cookies = {
            role: browser_cookie(port, cookie, settings.CSRF_COOKIE_NAME)
            for role, cookie in cookies.items()
        }
        endpoints = [("baseline", "/healthz/", None, 200)]
        for key, _label, path, role, _minimum in results["pages"]:
            endpoints.append((key, path, role, 200))
        # For information: a term found in thousands of rows of the history.
        endpoints.append(("search_common", SEARCH_COMMON, "coordinator", 200))
        if results["pdf_download"].get("route"):
            path = pdf_path(built["largest_session_pk"])
            endpoints.append(("pdf_download", path, "partner", 200))
            endpoints.append(("pdf_304", path, "partner", 304))
        endpoints.append(
            ("static_same_size", f"/{settings.STATIC_URL.strip('/')}/{static_name}", None, 200)
        )
        results["load"] = measure_endpoints(port, endpoints, cookies, pdf_etag, args)
        log(f"cold pass 3/{COLD_PASSES}")
        cold_passes.append(cold_pass(built, users))
        log("page weight")
        results["weight"] = {}
        weigh = [("login (anonymous)", "/accounts/login/", None)]
        weigh += [(key, path, role) for key, _l, path, role, _m in results["pages"]]
        for name, path, role in weigh:
            if not route_exists(path):
                continue
            results["weight"][name] = weigh_page(port, path, cookies.get(role) if role else None)
        log(f"memory: {args.memory_requests} mixed requests")
        results["memory"] = measure_memory(
            port,
            server.pid,
            built,
            cookies,
            args.memory_requests,
            args.memory_renders,
            args.memory_seconds,
        )
    finally:
        stop_gunicorn(server)
        shutil.rmtree(work_dir, ignore_errors=True)
    while len(cold_passes) < COLD_PASSES:
        log(f"cold pass {len(cold_passes) + 1}/{COLD_PASSES}")
        cold_passes.append(cold_pass(built, users))
    results["cold_passes"] = cold_passes
    results["cold"] = best_of_cold_passes(cold_passes)

    results["budgets"] = build_budgets(results)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    table = markdown(results)
    print()
    print(table)
    print()
    (BENCH_DIR / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    if not args.no_readme:
        update_readme(table)
    log(f"done in {results['total_seconds']} s; bench/results.json written")


if __name__ == "__main__":
    main()
