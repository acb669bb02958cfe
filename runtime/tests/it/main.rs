//! The runtime's integration tests, one binary (each test binary links
//! wasmtime): real guest components from `guest-examples/`, built once per
//! run by the shared fixture in `common`.

mod common;

mod api_audit_device;
mod api_audit_feedback;
mod api_audit_request;
mod api_audit_timers;
mod app_json_keys;
mod apps;
mod cache;
mod clipboard;
mod compat;
mod component_model;
mod component_query;
mod components;
mod components_load;
mod device;
mod device_apis;
mod device_media;
mod event_path;
mod events;
mod feedback;
mod fetch_start;
mod files;
mod handler_check;
mod hostile;
mod http;
mod loading;
mod loopback;
mod media;
mod media_ranges;
mod media_remote;
mod offline;
mod open_type;
mod open_type_taps;
mod page_events;
mod pages_nav;
mod pending;
mod picker;
mod prefs;
mod refused_details;
mod replay;
mod sdk_components;
mod selector_query;
mod slider;
mod snapshot;
mod socket;
mod socket_relaunch;
mod subpackages;
mod tabs;
mod typed_components;
mod typed_pages;
mod view_containers;
mod view_fetch_slots;
mod widgets;
