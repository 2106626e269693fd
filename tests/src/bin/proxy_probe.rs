//! Sends one delete to real Braze's US-01 address with a default SDK client and prints
//! what happened. The transport test runs it with `HTTPS_PROXY` pointing at a loopback
//! proxy that refuses every tunnel, to show the proxy is honoured (nothing reaches Braze).

fn main() {
    let key = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "probe-key".to_owned());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let outcome = runtime.block_on(async {
        let client = braze_sdk::Client::builder()
            .api_key(key)
            .instance(braze_sdk::Instance::Us01)
            .retry_policy(braze_sdk::RetryPolicy::none())
            .build()?;
        client
            .delete_campaign_schedule("campaign_identifier", "schedule_identifier")
            .await
            .map(drop)
    });
    match outcome {
        Ok(()) => println!("sent"),
        Err(error) => println!("error: {error}"),
    }
}
