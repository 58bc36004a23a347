//! Statuses stored as TEXT. Each status enum is bound and read as its stored name on every
//! backend (the column's type stays TEXT); a stored name the enum does not know is a decode
//! error naming the value, never a panic.

use crate::model::{IntegrationStatus, PublishStatus, Role};

/// Implements sqlx's `Type`, `Encode` and `Decode` for `$ty` on every backend whose `str`
/// does, through the type's `as_str(self) -> &'static str` and `parse(&str) -> Option<Self>`.
/// `$what` names the status in decode errors.
macro_rules! text_column {
    ($ty:ty, $what:literal) => {
        impl<DB: sqlx::Database> sqlx::Type<DB> for $ty
        where
            str: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <str as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <str as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $ty
        where
            &'q str: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&'q str as sqlx::Encode<'q, DB>>::encode(self.as_str(), buf)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $ty
        where
            &'r str: sqlx::Decode<'r, DB>,
        {
            fn decode(
                value: <DB as sqlx::Database>::ValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let s = <&'r str as sqlx::Decode<'r, DB>>::decode(value)?;
                <$ty>::parse(s)
                    .ok_or_else(|| format!("unknown {} {s:?} in the database", $what).into())
            }
        }
    };
}

pub(super) use text_column;

// `parse` reads the legacy "incomplete" as `Active`; `Active` is written as "active".
text_column!(IntegrationStatus, "integration status");
text_column!(PublishStatus, "publishing job status");
text_column!(Role, "role");

#[cfg(test)]
mod tests {
    use sqlx::SqlitePool;

    use super::*;
    use crate::server::db::WebhookStatus;

    async fn pool() -> SqlitePool {
        SqlitePool::connect("sqlite::memory:").await.unwrap()
    }

    #[tokio::test]
    async fn statuses_are_written_as_their_stored_names() {
        let pool = pool().await;
        let read = |sql: &'static str| sqlx::query_scalar::<_, String>(sql);
        let name = read("SELECT $1")
            .bind(IntegrationStatus::NeedsReauth)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(name, "needs_reauth");
        let name = read("SELECT $1")
            .bind(PublishStatus::Publishing)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(name, "publishing");
        let name = read("SELECT $1")
            .bind(WebhookStatus::Failed)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(name, "failed");
        let none: Option<String> = sqlx::query_scalar("SELECT $1")
            .bind(None::<IntegrationStatus>)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(none, None);
    }

    #[tokio::test]
    async fn stored_names_are_read_back() {
        let pool = pool().await;
        for (name, status) in [
            ("active", IntegrationStatus::Active),
            ("incomplete", IntegrationStatus::Active),
            ("needs_reauth", IntegrationStatus::NeedsReauth),
            ("expired", IntegrationStatus::Expired),
            ("revoked", IntegrationStatus::Revoked),
        ] {
            let read: IntegrationStatus = sqlx::query_scalar("SELECT $1")
                .bind(name)
                .fetch_one(&pool)
                .await
                .unwrap();
            assert_eq!(read, status, "{name}");
        }
        let read: PublishStatus = sqlx::query_scalar("SELECT 'queued'")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(read, PublishStatus::Queued);
        let read: WebhookStatus = sqlx::query_scalar("SELECT 'processing'")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(read, WebhookStatus::Processing);
    }

    #[tokio::test]
    async fn an_unknown_stored_name_is_an_error() {
        let pool = pool().await;
        let e = sqlx::query_scalar::<_, IntegrationStatus>("SELECT 'sleeping'")
            .fetch_one(&pool)
            .await
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("unknown integration status \"sleeping\""),
            "{e}"
        );
        let e = sqlx::query_scalar::<_, WebhookStatus>("SELECT 'lost'")
            .fetch_one(&pool)
            .await
            .unwrap_err();
        assert!(
            e.to_string().contains("unknown webhook delivery status"),
            "{e}"
        );
    }
}
