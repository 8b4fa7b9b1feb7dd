"""aiohttp's server without its client (decisions §37): what ``sungrow-mock serve`` imports, each
check in a fresh interpreter, since the trick only applies before anything imported aiohttp."""

import sys

from utest.fresh_interpreter import run_fresh


def test_the_server_comes_without_the_client_and_the_package_is_whole_on_first_use():
    out = run_fresh("""
        import sys
        from SungrowMockLibrary.aiohttp_server import import_server
        import_server()
        import aiohttp
        from aiohttp import web
        from aiohttp.http import WSCloseCode
        print("client" if "aiohttp.client" in sys.modules else "no client", aiohttp.__version__, web.Application.__name__)
        from aiohttp import ClientSession, __all__
        print("client" if "aiohttp.client" in sys.modules else "no client", ClientSession.__module__, "ClientSession" in __all__)
        try:
            aiohttp.no_such_name
        except AttributeError as error:
            print("AttributeError", "no_such_name" in str(error))
    """)
    import aiohttp  # the ordinary import, for its version

    assert out.splitlines() == [
        f"no client {aiohttp.__version__} Application",
        "client aiohttp.client True",
        "AttributeError True",
    ]


def test_an_aiohttp_it_does_not_fit_is_imported_the_ordinary_way():
    out = run_fresh("""
        import re, sys
        from SungrowMockLibrary import aiohttp_server
        aiohttp_server._VERSION = re.compile("no version line matches this")
        aiohttp_server.import_server()
        import aiohttp
        print("client" if "aiohttp.client" in sys.modules else "no client", hasattr(aiohttp, "ClientSession"))
    """)
    assert out == "client True"


def test_serve_answers_http_as_before_with_the_server_only_aiohttp():
    out = run_fresh("""
        import json, subprocess, sys, urllib.request
        serve = subprocess.Popen([sys.executable, "-m", "SungrowMockLibrary", "serve", "--doors", "winet"],
                                 stdout=subprocess.PIPE, text=True)
        try:
            ready = json.loads(serve.stdout.readline())
            with urllib.request.urlopen(f"http://{ready['endpoints']['winet_http']}/product/list", timeout=5) as reply:
                print(reply.status, reply.headers["Server"], json.loads(reply.read())["result_code"])
        finally:
            serve.kill()
            serve.wait(5)
    """)
    import aiohttp

    server = f"Python/{sys.version_info[0]}.{sys.version_info[1]} aiohttp/{aiohttp.__version__}"  # as the dongle's replies always had
    assert out == f"200 {server} 1"
