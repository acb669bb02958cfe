//! The operator's `/metrics`: the server's resident memory, live sessions and refused host calls.

use std::path::Path;

use anyhow::{Context, bail};

use super::open::{causes, http_client};

/// The operator's `/metrics`.
pub struct Metrics {
    client: reqwest::Client,
    url: String,
    token: String,
}

/// The server's gauges at one moment.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// `miniapp_process_resident_bytes`.
    pub resident: f64,
    /// `miniapp_sessions_live`, if reported.
    pub live: Option<f64>,
}

impl Metrics {
    /// The operator listener `url` (`http://HOST:PORT` or its `/metrics`),
    /// with the first token in `token_file` (`miniapp serve`'s format).
    pub fn new(url: &str, token_file: &Path) -> anyhow::Result<Metrics> {
        let token = crate::secret::first_operator_token(Some(token_file))
            .map_err(anyhow::Error::msg)?
            .context("no token file")?;
        Metrics::with_token(url, token)
    }

    /// The operator listener `url`, with `token`.
    pub fn with_token(url: &str, token: String) -> anyhow::Result<Metrics> {
        let url = url.trim_end_matches('/');
        let url = if url.ends_with("/metrics") {
            url.to_string()
        } else {
            format!("{url}/metrics")
        };
        Ok(Metrics {
            client: http_client()?,
            url,
            token,
        })
    }

    /// The gauges now.
    pub async fn sample(&self) -> anyhow::Result<Sample> {
        let response = (self.client.get(&self.url))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("GET {}: {}", self.url, causes(&e)))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .with_context(|| format!("GET {}", self.url))?;
        if !status.is_success() {
            bail!("GET {}: {status}: {}", self.url, text.trim());
        }
        let resident = gauge(&text, "miniapp_process_resident_bytes").with_context(|| {
            format!("GET {}: no miniapp_process_resident_bytes gauge", self.url)
        })?;
        let live = gauge(&text, "miniapp_sessions_live");
        Ok(Sample { resident, live })
    }
}

impl Metrics {
    /// The server's host calls refused so far, all apps: `miniapp_denials`
    /// (no grant) and `miniapp_quota_hits`.
    pub(super) async fn refusals(&self) -> anyhow::Result<(f64, f64)> {
        let response = (self.client.get(&self.url))
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("GET {}: {}", self.url, causes(&e)))?;
        let text = response
            .error_for_status()
            .with_context(|| format!("GET {}", self.url))?
            .text()
            .await
            .with_context(|| format!("GET {}", self.url))?;
        let total = |name: &str| -> f64 {
            (text.lines())
                .filter_map(|line| {
                    let rest = line.strip_prefix(name)?;
                    let rest = match rest.strip_prefix('{') {
                        Some(labelled) => labelled.split_once('}')?.1,
                        None => rest,
                    };
                    rest.split_whitespace().next()?.parse::<f64>().ok()
                })
                .sum()
        };
        Ok((
            total("miniapp_denials_total"),
            total("miniapp_quota_hits_total"),
        ))
    }
}

/// The value of the unlabelled metric `name` in Prometheus text.
fn gauge(text: &str, name: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?;
        if !rest.starts_with([' ', '\t']) {
            return None;
        }
        rest.split_whitespace().next()?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauges_are_read_unlabelled_only() {
        let text = "# HELP x\nminiapp_sessions_live_total 9\n\
                    miniapp_sessions_live{app=\"a\"} 3\nminiapp_sessions_live 7\n";
        assert_eq!(gauge(text, "miniapp_sessions_live"), Some(7.0));
        assert_eq!(gauge(text, "miniapp_process_resident_bytes"), None);
    }
}
