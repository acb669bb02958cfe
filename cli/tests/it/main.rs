//! The `miniapp` binary, run as a user runs it (one test binary: each links
//! the runtime and wasmtime).

mod builtins;
mod cli;
mod cluster;
mod cluster_reopen;
mod config;
mod crash;
mod dev;
mod dev_picked_files;
mod dev_routes;
mod dev_sockets;
mod examples;
mod fixture_chat;
mod fixture_shop;
mod hostile;
mod load;
mod operator_cli;
mod operator_cluster;
mod operator_plane;
mod pages;
#[cfg(unix)]
mod progress;
mod readme;
mod run_answer;
mod run_wait;
mod secrets;
mod serve;
mod serve_audit;
mod serve_chat;
mod serve_chat_moves;
mod serve_conns;
mod serve_device;
mod serve_drain;
mod serve_feedback;
mod serve_http_ui;
mod serve_layout;
mod serve_metrics;
mod serve_picked_files;
mod serve_probes;
mod serve_publish;
mod serve_push_logs;
mod serve_sessions;
mod serve_sockets;
mod serve_timers;
mod serve_tokens;
mod shop;
