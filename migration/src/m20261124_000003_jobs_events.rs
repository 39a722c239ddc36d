//! The outbox of jobs, effects already delivered, in-app notifications, preferences, events and
//! their registrations.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Jobs {
    Table,
    Id,
    Kind,
    Version,
    Payload,
    Status,
    Attempts,
    MaxAttempts,
    RunAt,
    LockedBy,
    LockedUntil,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Deliveries {
    Table,
    Key,
    JobId,
    UserId,
    Channel,
    Status,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Key,
    Kind,
    Subject,
    Body,
    Link,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum Preferences {
    Table,
    UserId,
    Announcements,
    MutedIndustries,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    Title,
    Description,
    Industries,
    StartsAt,
    EndsAt,
    Venue,
    OnlineUrl,
    Capacity,
    Status,
    Revision,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EventRegistrations {
    Table,
    Id,
    EventId,
    UserId,
    OrganisationId,
    Status,
    Seq,
    CreatedAt,
    UpdatedAt,
}

fn index(name: &str, table: impl IntoIden, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(Alias::new(*c));
    }
    if unique {
        i.unique();
    }
    i.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Jobs::Table)
                .col(string_len(Jobs::Id, 36).primary_key())
                .col(string_len(Jobs::Kind, 64))
                .col(integer(Jobs::Version))
                .col(json_binary(Jobs::Payload))
                .col(string_len(Jobs::Status, 16))
                .col(integer(Jobs::Attempts))
                .col(integer(Jobs::MaxAttempts))
                .col(timestamp_with_time_zone(Jobs::RunAt))
                .col(string_len_null(Jobs::LockedBy, 64))
                .col(timestamp_with_time_zone_null(Jobs::LockedUntil))
                .col(text_null(Jobs::LastError))
                .col(timestamp_with_time_zone(Jobs::CreatedAt))
                .col(timestamp_with_time_zone(Jobs::UpdatedAt))
                .to_owned(),
        )
        .await?;
        // Workers look for due work by status and time.
        m.create_index(index(
            "idx_jobs_status_run_at",
            Jobs::Table,
            &["status", "run_at"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Deliveries::Table)
                .col(string_len(Deliveries::Key, 200).primary_key())
                .col(string_len(Deliveries::JobId, 36))
                .col(string_len(Deliveries::UserId, 36))
                .col(string_len(Deliveries::Channel, 16))
                .col(string_len(Deliveries::Status, 16))
                .col(timestamp_with_time_zone(Deliveries::CreatedAt))
                .col(timestamp_with_time_zone_null(Deliveries::SentAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Notifications::Table)
                .col(string_len(Notifications::Id, 36).primary_key())
                .col(string_len(Notifications::UserId, 36))
                .col(string_len_uniq(Notifications::Key, 200))
                .col(string_len(Notifications::Kind, 64))
                .col(string_len(Notifications::Subject, 300))
                .col(text(Notifications::Body))
                .col(string_len_null(Notifications::Link, 500))
                .col(timestamp_with_time_zone(Notifications::CreatedAt))
                .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_notifications_user",
            Notifications::Table,
            &["user_id", "created_at"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Preferences::Table)
                .col(string_len(Preferences::UserId, 36).primary_key())
                .col(boolean(Preferences::Announcements))
                .col(json_binary(Preferences::MutedIndustries))
                .col(timestamp_with_time_zone(Preferences::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Events::Table)
                .col(string_len(Events::Id, 36).primary_key())
                .col(string_len(Events::Title, 100))
                .col(text(Events::Description))
                .col(json_binary(Events::Industries))
                .col(timestamp_with_time_zone(Events::StartsAt))
                .col(timestamp_with_time_zone(Events::EndsAt))
                .col(string_len(Events::Venue, 200))
                .col(string_len_null(Events::OnlineUrl, 500))
                .col(integer(Events::Capacity))
                .col(string_len(Events::Status, 16))
                .col(integer(Events::Revision))
                .col(string_len(Events::CreatedBy, 36))
                .col(timestamp_with_time_zone(Events::CreatedAt))
                .col(timestamp_with_time_zone(Events::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_events_status_starts",
            Events::Table,
            &["status", "starts_at"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(EventRegistrations::Table)
                .col(string_len(EventRegistrations::Id, 36).primary_key())
                .col(string_len(EventRegistrations::EventId, 36))
                .col(string_len(EventRegistrations::UserId, 36))
                .col(string_len(EventRegistrations::OrganisationId, 36))
                .col(string_len(EventRegistrations::Status, 16))
                .col(big_integer(EventRegistrations::Seq))
                .col(timestamp_with_time_zone(EventRegistrations::CreatedAt))
                .col(timestamp_with_time_zone(EventRegistrations::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(EventRegistrations::Table, EventRegistrations::EventId)
                        .to(Events::Table, Events::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_event_registrations_user",
            EventRegistrations::Table,
            &["event_id", "user_id"],
            true,
        ))
        .await?;
        m.create_index(index(
            "idx_event_registrations_queue",
            EventRegistrations::Table,
            &["event_id", "status", "seq"],
            false,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            EventRegistrations::Table.into_iden(),
            Events::Table.into_iden(),
            Preferences::Table.into_iden(),
            Notifications::Table.into_iden(),
            Deliveries::Table.into_iden(),
            Jobs::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
