//! Connecting: redacted URLs in every error, an optional schema of our own, refusing a
//! schema that holds another application's tables, then migrations.

use std::str::FromStr;
use std::time::Duration;

use domain::ports::StoreError;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};
use sqlx::{Connection, Executor, Row};

/// The schema, embedded at compile time.
pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/postgres");

/// How to connect.
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// Keep every table in this schema (created if missing; `search_path` is set on each
    /// connection). `None` uses the connection's default (usually `public`).
    /// 1 to 63 characters of `[a-z0-9_]`, not starting with a digit or `pg_`.
    pub schema: Option<String>,
    /// Pooled connections.
    pub max_connections: u32,
    /// How long to wait for a connection before reporting the server unreachable.
    pub connect_timeout: Duration,
}

impl Default for PostgresOptions {
    fn default() -> Self {
        Self {
            schema: None,
            max_connections: 5,
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// The URL with its password (in the user info or a `password=` parameter) replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rfind('@') {
        Some(at) => {
            let (userinfo, host) = authority.split_at(at);
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{user}:***{host}"),
                None => authority.to_string(),
            }
        }
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _))
                        if key.eq_ignore_ascii_case("password")
                            || key.eq_ignore_ascii_case("sslpassword") =>
                    {
                        format!("{key}=***")
                    }
                    _ => pair.to_string(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}{authority}{tail}")
}

/// The secrets of `url`, to scrub from driver messages.
fn secrets(url: &str) -> Vec<String> {
    let mut out = Vec::new();
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    if let Some((userinfo, _)) = rest[..end].rsplit_once('@')
        && let Some((_, password)) = userinfo.split_once(':')
        && !password.is_empty()
    {
        out.push(password.to_string());
    }
    if let Some((_, query)) = rest.split_once('?') {
        for pair in query.split('&') {
            if let Some((key, value)) = pair.split_once('=')
                && (key.eq_ignore_ascii_case("password") || key.eq_ignore_ascii_case("sslpassword"))
                && !value.is_empty()
            {
                out.push(value.to_string());
            }
        }
    }
    out
}

/// A URL shown in messages, and a scrubber for driver messages.
#[derive(Debug, Clone)]
pub(crate) struct Shown {
    pub(crate) url: String,
    secrets: Vec<String>,
}

impl Shown {
    pub(crate) fn new(url: &str) -> Self {
        Self {
            url: redact_url(url),
            secrets: secrets(url),
        }
    }

    /// `error` as text, without any secret of the URL.
    pub(crate) fn scrub(&self, error: impl std::fmt::Display) -> String {
        let mut text = error.to_string();
        for secret in &self.secrets {
            text = text.replace(secret.as_str(), "***");
        }
        text
    }

    fn unreachable(&self, error: impl std::fmt::Display) -> StoreError {
        StoreError::Unavailable(format!(
            "cannot connect to PostgreSQL at {}: {}",
            self.url,
            self.scrub(error)
        ))
    }
}

/// Checks a schema name (it is interpolated into SQL, so only a safe alphabet is accepted).
pub(crate) fn check_schema_name(schema: &str) -> Result<(), StoreError> {
    let ok = !schema.is_empty()
        && schema.len() <= 63
        && !schema.starts_with("pg_")
        && !schema.starts_with(|c: char| c.is_ascii_digit())
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::Backend(format!(
            "schema {schema:?} is not valid: use 1-63 characters of [a-z0-9_], not starting with a digit or pg_"
        )))
    }
}

/// Parses the URL (errors redacted).
pub(crate) fn parse(url: &str, shown: &Shown) -> Result<PgConnectOptions, StoreError> {
    PgConnectOptions::from_str(url).map_err(|e| {
        StoreError::Unavailable(format!(
            "invalid PostgreSQL URL {}: {}",
            shown.url,
            shown.scrub(e)
        ))
    })
}

/// One connection without schema settings (first contact, creating or dropping the schema).
///
/// A single attempt bounded by the timeout, so an unreachable server is reported with the
/// driver's reason (connection refused, unknown host, authentication failed).
pub(crate) async fn first_contact(
    connect: &PgConnectOptions,
    options: &PostgresOptions,
    shown: &Shown,
) -> Result<PgConnection, StoreError> {
    match tokio::time::timeout(options.connect_timeout, PgConnection::connect_with(connect)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(shown.unreachable(e)),
        Err(_) => Err(shown.unreachable(format!(
            "no answer within {} ms",
            options.connect_timeout.as_millis()
        ))),
    }
}

/// Connects, creates the schema if asked, refuses a foreign schema, migrates.
pub(crate) async fn open_pool(
    url: &str,
    options: &PostgresOptions,
) -> Result<(PgPool, PgConnectOptions, Shown), StoreError> {
    let shown = Shown::new(url);
    let connect = parse(url, &shown)?;
    let mut first = first_contact(&connect, options, &shown).await?;
    let mut pool_options = PgPoolOptions::new()
        .max_connections(options.max_connections.max(1))
        .acquire_timeout(options.connect_timeout);
    if let Some(schema) = &options.schema {
        check_schema_name(schema)?;
        let created = first
            .execute(format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"").as_str())
            .await;
        created.map_err(|e| {
            StoreError::Backend(format!(
                "cannot create schema {schema} in {}: {}",
                shown.url,
                shown.scrub(e)
            ))
        })?;
        let set = format!("SET search_path TO \"{schema}\"");
        pool_options = pool_options.after_connect(move |conn, _meta| {
            let set = set.clone();
            Box::pin(async move {
                conn.execute(set.as_str()).await?;
                Ok(())
            })
        });
    }
    let _ = first.close().await;
    let pool = pool_options
        .connect_with(connect.clone())
        .await
        .map_err(|e| shown.unreachable(e))?;
    if let Err(e) = check_foreign(&pool, &shown).await {
        pool.close().await;
        return Err(e);
    }
    if let Err(e) = MIGRATOR.run(&pool).await {
        pool.close().await;
        return Err(migrate_error(&shown.url, e));
    }
    Ok((pool, connect, shown))
}

/// Refuses, before migrating, a schema with tables but no Rampart migrations, or with
/// migrations this build does not ship.
async fn check_foreign(pool: &PgPool, shown: &Shown) -> Result<(), StoreError> {
    let err = |e: sqlx::Error| {
        StoreError::Unavailable(format!("cannot read {}: {}", shown.url, shown.scrub(e)))
    };
    let row = sqlx::query("SELECT current_schema()")
        .fetch_one(pool)
        .await
        .map_err(err)?;
    let schema: Option<String> = row.try_get(0).map_err(err)?;
    let Some(schema) = schema else {
        return Err(StoreError::Backend(format!(
            "{}: no schema of the search_path exists; create it or set the schema option",
            shown.url
        )));
    };
    let tables: Vec<String> = sqlx::query(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .map_err(err)?
    .iter()
    .map(|r| r.try_get::<String, _>(0))
    .collect::<Result<_, _>>()
    .map_err(err)?;
    if tables.is_empty() {
        return Ok(());
    }
    if !tables.iter().any(|t| t == "_sqlx_migrations") {
        let mut listed = tables
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if tables.len() > 5 {
            listed.push_str(", ...");
        }
        return Err(StoreError::Foreign(format!(
            "schema {schema} of {} holds another application's tables ({listed}); refusing to touch it (set a schema of Rampart's own)",
            shown.url
        )));
    }
    let applied =
        sqlx::query("SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(pool)
            .await
            .map_err(err)?;
    for row in applied {
        let version: i64 = row.try_get(0).map_err(err)?;
        let checksum: Vec<u8> = row.try_get(1).map_err(err)?;
        let success: bool = row.try_get(2).map_err(err)?;
        let problem = if !success {
            Some(MigrateError::Dirty(version))
        } else {
            match MIGRATOR.iter().find(|m| m.version == version) {
                None => Some(MigrateError::VersionMissing(version)),
                Some(m) if m.checksum.as_ref() != checksum.as_slice() => {
                    Some(MigrateError::VersionMismatch(version))
                }
                Some(_) => None,
            }
        };
        if let Some(problem) = problem {
            return Err(migrate_error(
                &format!("schema {schema} of {}", shown.url),
                problem,
            ));
        }
    }
    Ok(())
}

fn migrate_error(shown: &str, e: MigrateError) -> StoreError {
    match e {
        MigrateError::VersionMissing(v) => StoreError::Foreign(format!(
            "{shown}: migration {v} was applied by a newer or different program and is unknown to this Rampart; refusing to use it"
        )),
        MigrateError::VersionMismatch(v) => StoreError::Foreign(format!(
            "{shown}: migration {v} differs from the one this Rampart ships; refusing to use it"
        )),
        MigrateError::Dirty(v) => StoreError::Corrupt(format!(
            "{shown}: migration {v} was left half-applied; restore a backup"
        )),
        other => StoreError::Backend(format!("{shown}: applying migrations failed: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_and_the_rest_kept() {
        assert_eq!(
            redact_url("postgres://rampart:s3cr:et@db.example:5432/prod?sslmode=require"),
            "postgres://rampart:***@db.example:5432/prod?sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1:5432/test"),
            "postgres://postgres@127.0.0.1:5432/test"
        );
        assert_eq!(
            redact_url("postgresql://u@h/db?user=x&password=hunter2&application_name=r"),
            "postgresql://u@h/db?user=x&password=***&application_name=r"
        );
        assert_eq!(redact_url("postgres://u:p@h"), "postgres://u:***@h");
    }

    #[test]
    fn secrets_are_scrubbed_from_messages() {
        let shown = Shown::new("postgres://u:hunter2@h/db?password=other");
        assert_eq!(shown.scrub("bad hunter2 and other"), "bad *** and ***");
    }

    #[test]
    fn schema_names_are_checked() {
        assert!(check_schema_name("rampart_test_1").is_ok());
        for bad in [
            "",
            "Public",
            "a-b",
            "x\"; DROP",
            "pg_temp",
            "1abc",
            &"a".repeat(64),
        ] {
            assert!(check_schema_name(bad).is_err(), "{bad}");
        }
    }
}
