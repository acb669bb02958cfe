//! `miniapp dev` with a policy naming its own region table (a path beside
//! the policy file): the simulator serves that table at `/regions.tsv` for
//! its region sheet, and a region change is checked against it, the
//! shipped table's regions refused.

use serde_json::json;

use crate::cli::package;
use crate::dev::{HANG, Simulator};

const TABLE: &str = "# an operator's table\nN\tNorthland\nN1\tPort\tN\nN11\tDocks\tN1\n";

#[tokio::test]
async fn the_policys_region_table_is_served_to_the_sheet_and_checks_changes() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "[host]\nregion_table = \"regions.tsv\"\n").unwrap();
    std::fs::write(dir.path().join("regions.tsv"), TABLE).unwrap();
    let sim = Simulator::start(&package("picker"), &["--policy", policy.to_str().unwrap()]);
    // 503 until the app has loaded (the runtime is made at the first load).
    let url = format!("{}/regions.tsv", sim.base);
    let waiting = async {
        loop {
            let response = reqwest::get(&url).await.unwrap();
            if response.status() != 503 {
                break response;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    let response = tokio::time::timeout(HANG, waiting)
        .await
        .expect("the app loads");
    assert_eq!(response.status(), 200);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(kind, "text/tab-separated-values; charset=utf-8");
    assert_eq!(response.text().await.unwrap(), TABLE);

    let docks = json!({"value": ["Northland", "Port", "Docks"], "code": ["N", "N1", "N11"]});
    let taken = sim.dispatch("#region", "change", docks).await;
    assert_eq!(taken["ok"], true, "{taken}");
    let shenzhen =
        json!({"value": ["广东省", "深圳市", "南山区"], "code": ["440000", "440300", "440305"]});
    let refused = sim.dispatch("#region", "change", shenzhen).await;
    assert_eq!(refused["ok"], false, "{refused}");
    assert!(
        refused
            .to_string()
            .contains("`value` `广东省` is not a province of the region table"),
        "{refused}"
    );
}
