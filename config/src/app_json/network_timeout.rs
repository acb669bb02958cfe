//! `app.json`'s `networkTimeout`: the app's default timeout, in ms, of
//! each kind of network call (`request`, `connectSocket`, `uploadFile`,
//! `downloadFile`). The runtime uses it when a call names no timeout of
//! its own, bounded by the operator's `http_timeout_ms` (the smaller wins).

use serde_json::Value;

use crate::app_json::{ConfigError, Reader};
use crate::json_pos::join;

/// Each kind's default timeout in ms, where `networkTimeout` gives one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetworkTimeout {
    /// `wx.request`.
    pub request: Option<u32>,
    /// `wx.connectSocket`: the handshake.
    pub connect_socket: Option<u32>,
    /// `wx.uploadFile`.
    pub upload_file: Option<u32>,
    /// `wx.downloadFile`.
    pub download_file: Option<u32>,
}

/// Its keys, as WeChat names them.
const KEYS: [&str; 4] = ["request", "connectSocket", "uploadFile", "downloadFile"];

/// Read the `networkTimeout` object at `path`.
pub(crate) fn read(
    reader: &Reader,
    path: &str,
    value: &Value,
) -> Result<NetworkTimeout, ConfigError> {
    let Value::Object(entries) = value else {
        return Err(reader.value_error(
            path,
            "`networkTimeout` must be an object: {\"request\": 10000, ...} (ms)".into(),
        ));
    };
    let mut read = NetworkTimeout::default();
    for (key, value) in entries {
        let at = join(path, key);
        let ms = value
            .as_u64()
            .filter(|&ms| ms > 0)
            .and_then(|ms| u32::try_from(ms).ok());
        let Some(ms) = ms else {
            if !KEYS.contains(&key.as_str()) {
                return Err(reader.unknown(&at, key, KEYS.into_iter()));
            }
            return Err(reader.value_error(
                &at,
                format!(
                    "`{key}` must be a whole number of milliseconds, 1 to {}",
                    u32::MAX
                ),
            ));
        };
        let slot = match key.as_str() {
            "request" => &mut read.request,
            "connectSocket" => &mut read.connect_socket,
            "uploadFile" => &mut read.upload_file,
            "downloadFile" => &mut read.download_file,
            _ => return Err(reader.unknown(&at, key, KEYS.into_iter())),
        };
        *slot = Some(ms);
    }
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::NetworkTimeout;
    use crate::AppConfig;
    use crate::app_json::tests::refused;

    #[test]
    fn each_kind_s_timeout_is_read() {
        let text = r#"{"networkTimeout": {"request": 3000, "downloadFile": 20000}}"#;
        let config = AppConfig::parse(text).unwrap();
        let expected = NetworkTimeout {
            request: Some(3000),
            download_file: Some(20000),
            ..NetworkTimeout::default()
        };
        assert_eq!(config.network_timeout, expected);
    }

    #[test]
    fn each_bad_entry_is_refused_at_its_place() {
        for (text, expected) in [
            (
                r#"{"networkTimeout": {"requset": 3000}}"#,
                "app.json:1:21: unknown key `requset`: did you mean `request`?",
            ),
            (
                r#"{"networkTimeout": {"request": 0}}"#,
                "app.json:1:32: `request` must be a whole number of milliseconds, 1 to 4294967295",
            ),
            (
                r#"{"networkTimeout": {"uploadFile": 1.5}}"#,
                "app.json:1:35: `uploadFile` must be a whole number of milliseconds, 1 to 4294967295",
            ),
            (
                r#"{"networkTimeout": 3000}"#,
                "app.json:1:20: `networkTimeout` must be an object: {\"request\": 10000, ...} (ms)",
            ),
        ] {
            assert_eq!(refused(text), expected, "{text}");
        }
    }
}
