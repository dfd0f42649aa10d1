#!/bin/sh
# run.sh - `make run`: a demo company on SQLite at http://127.0.0.1:8080
set -eu
DB=${KEFU_DB:-var/kefu.db}
mkdir -p "$(dirname "$DB")"
if [ ! -f "$DB" ]; then
	build/kefu init --db "$DB" --demo
fi
cat <<MSG

  kefu is starting on http://${KEFU_LISTEN:-127.0.0.1:8080} with the demo company ($DB).
  Sign in with any of these (password: kefu-demo-2026):

    admin      系统管理员  system administrator
    leader     主管领导    supervising leader
    cm         施工管理部  construction management dept
    quality    质量部      quality dept
    business   经营部      business dept
    project    项目部      project team (member of its projects)
    safety     安全监管部  safety supervision dept
    customer   顾客        customer representative of 北京市朝阳区教育委员会

  Ctrl-C stops the server.

MSG
exec build/kefu serve --db "$DB" --listen "${KEFU_LISTEN:-127.0.0.1:8080}"
