#!/usr/bin/env bash
# Django's deployment checks under the environment a production server runs with; any warning fails.
# Like production, it sets an SMTP mailer and HSTS preload: without them the checks rightly complain
# (mail.E001, security.W021). Usage: scripts/check_deploy.sh  (DEPLOY_CHECK_DATABASE_URL picks the database).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
key=$("$PY" -c 'import secrets, string; print("".join(secrets.choice(string.ascii_letters + string.digits + "-_=+.,:") for _ in range(60)))')
status=0
out=$(env DEBUG=0 SECRET_KEY="$key" ALLOWED_HOSTS=partnerhub.example.org \
    DATABASE_URL="${DEPLOY_CHECK_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/partnerhub_ci}" \
    EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend EMAIL_HOST=smtp.example.org \
    SECURE_HSTS_PRELOAD=1 \
    "$PY" manage.py check --deploy --fail-level WARNING 2>&1) || status=$?
printf '%s\n' "$out"
if [[ $status -ne 0 ]]; then
    exit "$status"
fi
if [[ "$out" != "System check identified no issues (0 silenced)." ]]; then
    echo "check --deploy must print nothing but 'no issues (0 silenced)'" >&2
    exit 1
fi
