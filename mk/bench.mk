# --- benchmarks (bench/) ---------------------------------------------------------------------
.PHONY: bench-deps

bench-deps:  ## Install wrk, the page benchmarks' load generator, when root with apt, else say what to install
	@if command -v wrk >/dev/null; then \
		echo "bench: wrk present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
	else \
		echo "bench: install the Debian package wrk for the page benchmarks (they fall back to a Python generator)"; \
	fi
