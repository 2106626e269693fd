//! The library's main job, end to end: schedule a send, list it, cancel it with the seed
//! endpoint (`POST /campaigns/trigger/schedule/delete`), printing each step with the
//! rate-limit figures.
//!
//! ```sh
//! cargo run -p braze-sdk --example quickstart
//! ```
//!
//! With nothing set it runs against a fake Braze started in-process on loopback. With
//! `BRAZE_API_KEY`, `BRAZE_REST_ENDPOINT`, `BRAZE_CAMPAIGN_ID` (an API-triggered campaign)
//! and `BRAZE_EXTERNAL_USER_ID` (a test user) all set, it talks to real Braze instead: it
//! schedules a send to that one user 30 days ahead and cancels it straight away.

use braze_sdk::{Client, RateLimit, Recipient, Schedule};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let real = [
        "BRAZE_API_KEY",
        "BRAZE_REST_ENDPOINT",
        "BRAZE_CAMPAIGN_ID",
        "BRAZE_EXTERNAL_USER_ID",
    ]
    .map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()));
    // Kept alive until the end: dropping it stops the fake.
    let mut fake = None;
    let (client, campaign_id, user) = match real {
        [Some(_), Some(_), Some(campaign), Some(user)] => {
            let client = Client::from_env()?;
            println!("talking to Braze at {}", client.endpoint());
            (client, campaign, user)
        }
        _ => {
            let server = braze_mock::MockServer::start(braze_mock::Config::new()).await?;
            println!(
                "talking to a fake Braze at {} (set BRAZE_API_KEY, BRAZE_REST_ENDPOINT, \
                 BRAZE_CAMPAIGN_ID and BRAZE_EXTERNAL_USER_ID to use real Braze)",
                server.url()
            );
            let client = Client::builder()
                .api_key(server.api_key())
                .endpoint_str(server.url())
                .build()?;
            fake = Some(server);
            (
                client,
                "quickstart-campaign".to_owned(),
                "user-42".to_owned(),
            )
        }
    };

    let when = chrono::Utc::now() + chrono::Duration::days(30);
    let created = client
        .create_campaign_schedule(campaign_id.as_str(), Schedule::utc(when))
        .recipient(Recipient::external_user_id(user))
        .await?;
    println!(
        "1. scheduled: schedule_id {} ({}; {})",
        created.schedule_id,
        created.status(),
        figures(created.rate_limit())
    );

    let end_time = when + chrono::Duration::days(1);
    let listed = client.list_scheduled_broadcasts(end_time).await?;
    println!(
        "2. listed: {} scheduled until {end_time} ({})",
        listed.scheduled_broadcasts.len(),
        figures(listed.rate_limit())
    );

    let deleted = client
        .delete_campaign_schedule(campaign_id.as_str(), created.schedule_id.clone())
        .await?;
    println!(
        "3. cancelled: {} {:?} ({})",
        deleted.status(),
        deleted.message().unwrap_or_default(),
        figures(deleted.rate_limit())
    );
    if let Some(server) = fake {
        println!(
            "   the fake now holds {} schedule(s)",
            server.schedules().len()
        );
    }
    Ok(())
}

fn figures(rate_limit: Option<RateLimit>) -> String {
    match rate_limit {
        Some(RateLimit {
            limit: Some(limit),
            remaining: Some(remaining),
            ..
        }) => format!("rate limit: {remaining} of {limit} left"),
        _ => "no rate-limit figures".to_owned(),
    }
}
