"""Static checks read Node, Go and Ruby too; Go and Ruby services skip the dynamic checks, naming what is missing."""

import json

import pytest

from labs.grading import grade
from labs.grading.checks import REGISTRY

GO_MAIN = """\
package main

import (
	"context"
	"net/http"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	srv := &http.Server{Addr: ":" + os.Getenv("PORT")}
	go srv.ListenAndServe()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	srv.Shutdown(context.Background())
}
"""
PUMA = """\
max_threads_count = ENV.fetch("RAILS_MAX_THREADS") { 5 }
threads max_threads_count, max_threads_count
port ENV.fetch("PORT") { 3000 }
"""
GEMFILE = 'source "https://rubygems.org"\ngem "rails", "~> 7.1"\ngem "puma", ">= 5.0"\ngem "pg"\n'


def status(run_static, root, check_id):
    return run_static(root, check_id).status


@pytest.mark.parametrize(
    ("files", "evidence"),
    [
        ({"go.mod": "module x\n", "main.go": GO_MAIN}, 'main.go:12 reads os.Getenv("PORT")'),
        ({"go.mod": "module x\n", "cfg.go": 'type C struct {\n\tPort int `env:"PORT"`\n}\n'}, "cfg.go:2"),
        ({"Gemfile": GEMFILE, "config/puma.rb": PUMA}, 'config/puma.rb:3 reads ENV.fetch("PORT")'),
        # An inferred command's $PORT is ours: the app's own read is the evidence.
        (
            {"Gemfile": GEMFILE, "config/application.rb": "", "config/puma.rb": PUMA},
            'config/puma.rb:3 reads ENV.fetch("PORT")',
        ),
        ({"Gemfile": "", "app.rb": "set :port, ENV['PORT']\n"}, "app.rb:1"),
        ({"package.json": "{}", "index.js": "const { PORT = 3000 } = process.env;\n"}, "index.js:1"),
    ],
)
def test_port_read_in_go_ruby_and_node(make_repo, run_static, files, evidence):
    verdict = run_static(make_repo(files), "port-binding.reads-port")
    assert verdict.status == "pass" and evidence in verdict.evidence


def test_go_with_a_fixed_port(make_repo, run_static):
    root = make_repo(
        {"go.mod": "module x\n", "main.go": 'package main\nfunc main() { http.ListenAndServe(":8080", nil) }\n'}
    )
    assert status(run_static, root, "port-binding.reads-port") == "fail"


@pytest.mark.parametrize(
    ("files", "expected", "evidence"),
    [
        ({"go.mod": "module x\n", "main.go": GO_MAIN}, "pass", "main.go:15 signal.Notify with SIGTERM"),
        (
            {"go.mod": "module x\n", "main.go": GO_MAIN.replace("srv.Shutdown(context.Background())", "os.Exit(0)")},
            "warn",
            "nothing calls http.Server.Shutdown",
        ),
        ({"go.mod": "module x\n", "main.go": "package main\n"}, "fail", "a Go program exits at once"),
        ({"package.json": "{}", "s.js": "process.on('SIGTERM', () => process.exit(0))\n"}, "warn", "server.close()"),
        ({"Gemfile": GEMFILE, "Procfile": "web: bundle exec puma -C config/puma.rb\n"}, "pass", "puma drains"),
        ({"Gemfile": GEMFILE, "config/application.rb": ""}, "pass", "puma (the Gemfile's server) drains"),
        ({"Gemfile": 'gem "unicorn"\n', "Procfile": "web: bundle exec unicorn -p $PORT\n"}, "fail", "QUIT only"),
    ],
    ids=["go-shutdown", "go-no-shutdown", "go-no-handler", "node-exit", "puma", "rails-server-puma", "unicorn"],
)
def test_sigterm_in_go_ruby_and_node(make_repo, run_static, files, expected, evidence):
    verdict = run_static(make_repo(files), "disposability.handles-sigterm")
    assert verdict.status == expected and evidence in verdict.evidence, verdict.evidence


@pytest.mark.parametrize(
    "migration",
    [
        "db/migrate/20240101000000_create_posts.rb",
        "migrations/20240101_create_users.js",
        "prisma/migrations/20240101_init/migration.sql",
        "db/migrations/0001_init.up.sql",
    ],
)
def test_migrations_of_other_languages_need_a_release(make_repo, run_static, migration):
    root = make_repo({migration: "-- x\n", "Procfile": "web: node server.js\n"})
    verdict = run_static(root, "build-release-run.release-phase")
    assert verdict.status == "fail" and migration in verdict.evidence
    released = make_repo({migration: "-- x\n", "Procfile": "web: node server.js\nrelease: npx prisma migrate deploy\n"})
    assert status(run_static, released, "build-release-run.release-phase") == "pass"


@pytest.mark.parametrize(
    ("rel", "line"),
    [
        ("config/initializers/mail.rb", "if Rails.env.production?\n"),
        ("main.go", 'if os.Getenv("APP_ENV") == "production" {\n'),
        ("server.js", "if (process.env.NODE_ENV === 'production') {}\n"),
    ],
)
def test_environment_branching_in_other_languages(make_repo, run_static, rel, line):
    verdict = run_static(make_repo({rel: line}), "config.no-environment-branching")
    assert verdict.status == "warn" and f"{rel}:1" in verdict.evidence


def test_rails_and_rake_are_admin_commands(make_repo, run_static):
    root = make_repo({"Gemfile": GEMFILE, "config/application.rb": "", "lib/tasks/cleanup.rake": "task :x\n"})
    verdict = run_static(root, "admin-processes.in-codebase")
    assert verdict.status == "pass" and "lib/tasks/cleanup.rake" in verdict.evidence


def test_go_run_builds_at_run_time(make_repo, run_static):
    root = make_repo({"go.mod": "module x\n", "Procfile": "web: go run .\n"})
    assert status(run_static, root, "build-release-run.no-build-in-run") == "fail"


def test_tests_of_other_languages_are_not_app_code(make_repo, run_static):
    root = make_repo({"go.mod": "module x\n", "main_test.go": 'os.Getenv("PORT")\n', "spec/a_spec.rb": "ENV['PORT']\n"})
    assert status(run_static, root, "port-binding.reads-port") == "fail"


@pytest.mark.parametrize(
    ("files", "missing"),
    [
        ({"go.mod": "module example.com/hello\n", "go.sum": "x\n", "main.go": GO_MAIN}, "no Go toolchain (`go`)"),
        (
            {
                "Gemfile": GEMFILE,
                "Gemfile.lock": "GEM\n",
                "config/application.rb": "",
                "package.json": json.dumps({"dependencies": {"esbuild": "^0.20"}}),
            },
            "no Ruby toolchain (`ruby`)",
        ),
    ],
    ids=["go", "rails-with-package-json"],
)
def test_go_and_ruby_skip_the_dynamic_checks(make_repo, files, missing):
    card = grade(make_repo(files), "audit")
    dynamic = [c for c in card.checks if REGISTRY[c.id].kind == "dynamic"]
    assert dynamic and all(c.status == "skip" for c in dynamic), [(c.id, c.status, c.evidence) for c in dynamic]
    own_reasons = ("processes.share-nothing", "backing-services.attached-by-config")  # skip before running
    assert all(missing in c.evidence and "not vendored" in c.evidence for c in dynamic if c.id not in own_reasons)


@pytest.mark.parametrize(
    ("files", "pinned"),
    [
        ({"go.mod": "module x\n\ngo 1.22\n", "main.go": "package main\n"}, ("pass", "go.mod requires no modules")),
        ({"go.mod": "module x\nrequire github.com/lib/pq v1.10.9\n"}, ("warn", "go.mod without go.sum")),
        ({"go.mod": "module x\nrequire github.com/lib/pq v1.10.9\n", "go.sum": "x\n"}, ("pass", "locked by go.sum")),
        ({"Gemfile": GEMFILE}, ("warn", "Gemfile without Gemfile.lock")),
        ({"Gemfile": GEMFILE, "Gemfile.lock": "GEM\n"}, ("pass", "locked by Gemfile.lock")),
    ],
)
def test_go_and_ruby_manifests(make_repo, run_static, files, pinned):
    root = make_repo(files)
    assert run_static(root, "dependencies.manifest").status == "pass"
    verdict = run_static(root, "dependencies.pinned")
    assert (verdict.status, verdict.evidence) == pinned
