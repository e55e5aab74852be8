-- The database and its two roles (docs/DEPLOY.md, "数据库 · PostgreSQL").
-- Run once as the postgres superuser:
--   sudo -u postgres psql -v owner_password=… -v app_password=… -f deploy/postgresql/setup.sql
--
-- miaopi_owner  owns the tables; runs the migrations (`flask db upgrade`) and
--               grants the application its privileges. Used by operators only.
-- miaopi_app    what the services connect as: reads and writes the tables,
--               but may only add to the audit log, never change or delete it
--               (`flask audit grants miaopi_app --apply`, run after every
--               migration, as the owner).
\set ON_ERROR_STOP on
CREATE ROLE miaopi_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE miaopi_app LOGIN PASSWORD :'app_password';
-- A runaway statement of the services is stopped (none of theirs runs
-- anywhere near this long; migrations run as the owner).
ALTER ROLE miaopi_app SET statement_timeout = '60s';
CREATE DATABASE miaopi OWNER miaopi_owner ENCODING 'UTF8' TEMPLATE template0;
REVOKE ALL ON DATABASE miaopi FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE miaopi TO miaopi_app;
\connect miaopi
-- PostgreSQL 15: the schema public belongs to the database owner and nobody
-- else may create in it.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
