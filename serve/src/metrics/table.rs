//! The list every metric comes from: `metrics!` declares each one once
//! (its field, type, name and help) and makes from that list the
//! [`Metrics`](super::Metrics) struct, its registration, the series every
//! published app starts with, and the rows of `docs/metrics.md`.

use std::fmt::Debug;
use std::hash::Hash;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::metrics::{MetricType, TypedMetric};
use prometheus_client::registry::Metric;

/// One metric as a scraper sees it, for the docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The name it is registered under (a counter's samples add `_total`).
    pub name: &'static str,
    /// Its help text.
    pub help: &'static str,
    /// `counter`, `gauge` or `histogram`.
    pub kind: &'static str,
    /// Its label names, in order.
    pub labels: &'static [&'static str],
}

impl Row {
    /// Its samples' names with their labels, as a query names them, in
    /// Markdown (`miniapp_events_total{app,version}`; a histogram's
    /// buckets, sum and count).
    pub fn series(&self) -> String {
        let labels = |extra: &[&str]| {
            let all: Vec<&str> = self.labels.iter().chain(extra).copied().collect();
            match all.is_empty() {
                true => String::new(),
                false => format!("{{{}}}", all.join(",")),
            }
        };
        let name = self.name;
        match self.kind {
            "counter" => format!("`{name}_total{}`", labels(&[])),
            "histogram" => format!("`{name}_bucket{}`, `_sum`, `_count`", labels(&["le"])),
            _ => format!("`{name}{}`", labels(&[])),
        }
    }
}

/// `docs/metrics.md`: a table of `rows` (the server's metrics, then the
/// process's).
pub fn page(rows: &[Row]) -> String {
    let mut page = String::from(
        "# Metrics\n\n\
         <!-- Generated from the list in serve/src/metrics.rs (and \
         serve/src/metrics/process.rs): edit the list, then run \
         `MINIAPP_BLESS=1 cargo test -p miniapp-serve --lib -- metrics_page`. -->\n\n\
         `GET /metrics` on the operator listener answers these series in \
         Prometheus text. What a session does is labelled with the app and the \
         version it runs; every published app's series are there at 0 from the \
         start. Labels carry app ids and version numbers, never user ids (apps \
         nobody published share the label `\"\"`). The `process_*` series are \
         read from `/proc/self` (Linux); a figure that cannot be read is left out.\n\n\
         | series | type | what it counts |\n|---|---|---|\n",
    );
    for row in rows {
        page.push_str(&format!(
            "| {} | {} | {} |\n",
            row.series(),
            row.kind,
            row.help
        ));
    }
    page
}

/// The name Prometheus gives a metric type.
pub const fn kind(t: MetricType) -> &'static str {
    match t {
        MetricType::Counter => "counter",
        MetricType::Gauge => "gauge",
        MetricType::Histogram => "histogram",
        MetricType::Info => "info",
        MetricType::Unknown => "unknown",
    }
}

/// A label set of a metric family: its names, and the series of an app
/// that exist from the first scrape.
pub trait Labels: EncodeLabelSet + Clone + Hash + Eq + Debug + Send + Sync + 'static {
    /// The label names, in the order the set encodes them.
    const NAMES: &'static [&'static str];

    /// The label sets of version `version` of app `app` whose series start
    /// at 0 when the app is published (none for a set that names no app).
    fn published(app: &str, version: &str) -> Vec<Self>;
}

/// A metric of the list: something registered, described and started for
/// each published app.
pub trait Series: Metric + TypedMetric + Clone {
    /// Its label names.
    const LABELS: &'static [&'static str];

    /// A new one with no series.
    fn fresh() -> Self;

    /// Start its series of version `version` of app `app` at 0.
    fn publish(&self, app: &str, version: &str);
}

impl<L, M> Series for Family<L, M>
where
    L: Labels,
    M: Default + Debug + Send + Sync + TypedMetric + 'static,
    Family<L, M>: Metric,
{
    const LABELS: &'static [&'static str] = L::NAMES;

    fn fresh() -> Self {
        Family::default()
    }

    fn publish(&self, app: &str, version: &str) {
        publish(self, app, version);
    }
}

impl<L: Labels> Series for Family<L, Histogram, Seconds> {
    const LABELS: &'static [&'static str] = L::NAMES;

    fn fresh() -> Self {
        Family::new_with_constructor(Seconds)
    }

    fn publish(&self, app: &str, version: &str) {
        publish(self, app, version);
    }
}

/// Start the series of `family` of version `version` of app `app` at 0.
fn publish<L: Labels, M, C: MetricConstructor<M>>(
    family: &Family<L, M, C>,
    app: &str,
    version: &str,
) {
    for labels in L::published(app, version) {
        let _ = family.get_or_create(&labels);
    }
}

impl Series for Gauge {
    const LABELS: &'static [&'static str] = &[];

    fn fresh() -> Self {
        Gauge::default()
    }

    fn publish(&self, _app: &str, _version: &str) {}
}

/// Makes each histogram of a timing family: seconds, from 100 µs to about
/// 3.3 s.
#[derive(Debug, Clone, Copy, Default)]
pub struct Seconds;

impl MetricConstructor<Histogram> for Seconds {
    fn new_metric(&self) -> Histogram {
        Histogram::new(exponential_buckets(0.0001, 2.0, 16))
    }
}

/// Declares a label set: a struct of `String` fields, one a label of the
/// field's name, and its [`Labels`] (the names, and the sets of an app
/// that `published(app, version) => ...` makes).
macro_rules! label_set {
    (
        $(#[$doc:meta])* $vis:vis struct $name:ident {
            $($(#[$field_doc:meta])* $field_vis:vis $field:ident,)*
        }
        published($app:pat, $version:pat) => $published:expr
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Hash, PartialEq, Eq, prometheus_client::encoding::EncodeLabelSet)]
        $vis struct $name {
            $($(#[$field_doc])* $field_vis $field: String,)*
        }

        impl table::Labels for $name {
            const NAMES: &'static [&'static str] = &[$(stringify!($field)),*];

            fn published($app: &str, $version: &str) -> Vec<Self> {
                $published
            }
        }
    };
}

/// Declares the server's metrics, one line each:
/// `field: Type = "name", "help";` (with the field's doc comment and
/// visibility). Makes the `Metrics` struct (the fields, its registry, and
/// `seen`), `Metrics::registered` (every metric registered in the order of
/// the list), `Metrics::publish_all` (every metric's series of an app at
/// 0) and `Metrics::rows` (the list for the docs).
macro_rules! metrics {
    ($($(#[$doc:meta])* $vis:vis $field:ident: $ty:ty = $name:literal, $help:literal;)*) => {
        /// The server's metrics.
        pub struct Metrics {
            registry: Registry,
            $($(#[$doc])* $vis $field: $ty,)*
            /// Usage seen at the last scrape, per loaded version: (cpu ns,
            /// traps, denials, quota hits, audit records dropped).
            seen: Mutex<HashMap<String, [u64; 5]>>,
        }

        impl Metrics {
            /// Every metric of the list, registered in its order.
            fn registered() -> Metrics {
                let mut registry = Registry::default();
                $(
                    let $field = <$ty as table::Series>::fresh();
                    registry.register($name, $help, $field.clone());
                )*
                Metrics { registry, $($field,)* seen: Mutex::default() }
            }

            /// Start every series of version `version` of app `app` at 0.
            fn publish_all(&self, app: &str, version: &str) {
                $(table::Series::publish(&self.$field, app, version);)*
            }

            /// The list, as the docs show it.
            pub(crate) fn rows() -> Vec<table::Row> {
                vec![$(table::Row {
                    name: $name,
                    help: $help,
                    kind: table::kind(<$ty as prometheus_client::metrics::TypedMetric>::TYPE),
                    labels: <$ty as table::Series>::LABELS,
                },)*]
            }
        }
    };
}

pub(crate) use {label_set, metrics};
