//! Feedback: UI the host draws around the page. A toast, a loading toast,
//! an "Are you sure?" modal whose answer decides, an editable modal, an
//! action sheet with WeChat's callbacks (and one with an alert line), a
//! modal with its own cancel button, the navigation and tab bars (the
//! tab bar hidden, sliding out, and shown again at once; a badge and a red
//! dot taken off again), WeChat's other toasts (each icon, a duration, a
//! mask, one hidden), what the host refuses (WeChat's bounds), and a
//! detail page whose modal the host closes when the page leaves.

use miniapp_sdk::feedback::{self, ActionSheet, Modal, Toast, ToastIcon};
use miniapp_sdk::frame::{self, FrontColor};
use miniapp_sdk::{
    App, Error, Event, Launch, PageLoad, Result, json, log, nav, system, task, timer, view,
};

#[derive(Default)]
struct Feedback;

/// `index:delete`: ask, and delete only if the user confirms.
fn delete() {
    task::spawn(async {
        let modal =
            Modal::new("Delete the order?", "It cannot be undone.").confirm("Delete", "#FA5151");
        let answer = feedback::show_modal(&modal).await?;
        let said = if answer.confirm { "confirm" } else { "cancel" };
        view::set_data(json!({ "deleted": answer.confirm, "modal": said }))
    });
}

/// `index:rename`: an editable modal; the name is what the user typed.
fn rename() {
    task::spawn(async {
        let modal = Modal::new("Rename", "").editable("A new name");
        let answer = feedback::show_modal(&modal).await?;
        match (answer.confirm, answer.content) {
            (true, Some(name)) => view::set("name", name),
            _ => Ok(()),
        }
    });
}

/// `index:pick`: an action sheet with WeChat's callbacks.
fn pick() {
    feedback::action_sheet(ActionSheet::new(["Take a photo", "Choose from the album"]))
        .success(|index| view::set("picked", index))
        .fail(|error| view::set("picked", error.to_string()))
        .complete(|| {
            log::info("the action sheet closed");
            Ok(())
        })
        .show();
}

/// `index:discard`: an action sheet with an alert line above its items,
/// the item tapped in `discard`; first, one whose alert line names the host
/// is refused, its message in `host_alert`.
fn discard() {
    let as_host = ActionSheet::new(["Discard the draft"]).alert("WeChat: discard the draft?");
    (feedback::action_sheet(as_host))
        .fail(|error| view::set("host_alert", error.to_string()))
        .show();
    let sheet = ActionSheet::new(["Discard the draft", "Keep editing"]);
    feedback::action_sheet(sheet.alert("The draft is not saved"))
        .success(|index| view::set("discard", index))
        .fail(|error| view::set("discard", error.to_string()))
        .show();
}

/// `index:leave`: a modal whose cancel button is the app's own ("Stay",
/// grey); what the user tapped in `leave`.
fn leave() {
    task::spawn(async {
        let modal = Modal::new("Leave?", "The draft is lost.").cancel("Stay", "#888888");
        let answer = feedback::show_modal(&modal).await?;
        view::set("leave", if answer.confirm { "left" } else { "stayed" })
    });
}

/// `index:frame`: the navigation bar's title, colours and spinner, a
/// badge and a red dot, a scroll and a pull-down refresh.
fn dress() -> Result<()> {
    frame::set_navigation_bar_title("Feedback")?;
    frame::set_navigation_bar_color(FrontColor::White, "#07C160", 0)?;
    frame::show_navigation_bar_loading()?;
    frame::hide_navigation_bar_loading()?;
    frame::set_tab_bar_badge(1, "3")?;
    frame::show_tab_bar_red_dot(2)?;
    frame::page_scroll_to(0, 300)?;
    frame::start_pull_down_refresh()?;
    frame::stop_pull_down_refresh()
}

/// `index:toasts`: an error toast shown 3 s with a mask, a loading-icon
/// toast for a minute (the longest), that toast hidden, and a loading
/// toast with a mask (no tap reaches the page under it) hidden a second
/// later; a toast a millisecond over a minute is refused, its message in
/// `toast_refused`.
fn toasts() -> Result<()> {
    let error = Toast::new("Not saved").icon(ToastIcon::Error);
    feedback::show_toast(&error.duration_ms(3_000).mask(true))?;
    let minute = Toast::new("Saving").icon(ToastIcon::Loading);
    feedback::show_toast(&minute.duration_ms(60_000))?;
    feedback::hide_toast()?;
    feedback::show_loading("Sending", true)?;
    timer::set_timeout(1_000, feedback::hide_loading)?;
    let over = feedback::show_toast(&Toast::new("Too long").duration_ms(60_001));
    view::set("toast_refused", over.err().map(|e| e.to_string()))
}

/// `index:unmark`: the badge and the red dot `index:frame` put on the tab
/// bar taken off; a tab past the fifth refused, in `unmark_refused`.
fn unmark() -> Result<()> {
    frame::remove_tab_bar_badge(1)?;
    frame::hide_tab_bar_red_dot(2)?;
    let past = frame::remove_tab_bar_badge(5);
    view::set("unmark_refused", past.err().map(|e| e.to_string()))
}

/// `index:slow-bars`: a navigation bar colour fading in 10 s and a scroll
/// of 10 s (the longest) drawn; each a millisecond longer refused, their
/// messages in `slow_refused`.
fn slow_bars() -> Result<()> {
    frame::set_navigation_bar_color(FrontColor::Black, "#FFFFFF", 10_000)?;
    frame::page_scroll_to(400, 10_000)?;
    let refused: Vec<String> = [
        frame::set_navigation_bar_color(FrontColor::Black, "#FFFFFF", 10_001),
        frame::page_scroll_to(400, 10_001),
    ]
    .into_iter()
    .filter_map(|result| result.err().map(|e| e.to_string()))
    .collect();
    view::set("slow_refused", refused)
}

/// `index:refusals`: what WeChat's bounds refuse, each message in
/// `refused` (the action sheet's through its `fail`).
fn refusals() -> Result<()> {
    let mut refused = Vec::new();
    let mut note = |result: Result<()>| match result {
        Err(e) => refused.push(e.to_string()),
        Ok(()) => refused.push("accepted".into()),
    };
    note(frame::set_navigation_bar_color(
        FrontColor::Black,
        "green",
        0,
    ));
    note(frame::set_tab_bar_badge(5, "1"));
    note(feedback::show_toast(&Toast::new("")));
    view::set("refused", refused)?;
    let seven = (1..=7).map(|i| format!("item {i}"));
    feedback::action_sheet(ActionSheet::new(seven))
        .fail(|error| view::set("sheet", error.to_string()))
        .show();
    Ok(())
}

impl App for Feedback {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        // Whether anyone can answer a dialog here (a host with no screen
        // refuses them).
        let can_ask = system::can_i_use("feedback.show-modal");
        view::set_data(
            json!({ "deleted": false, "modal": "", "name": "", "picked": "", "can_ask": can_ask }),
        )
    }

    fn on_load(&mut self, page: &PageLoad) -> Result<()> {
        if page.route == "detail" {
            // The host ends this modal with `cancelled` when the page leaves.
            task::spawn(async {
                let modal = Modal::new("Still there?", "").without_cancel();
                match feedback::show_modal(&modal).await {
                    Ok(answer) => log::info(format!("detail modal answered: {}", answer.confirm)),
                    Err(e) => log::info(format!("detail modal ended: {e}")),
                }
                Ok(())
            });
        }
        Ok(())
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "toast") => feedback::show_toast(&Toast::new("Saved")),
            ("index", "loading") => feedback::show_loading("Loading", false),
            ("index", "hide-loading") => {
                feedback::hide_loading()?;
                feedback::show_toast(&Toast::new("Loaded").icon(ToastIcon::None))
            }
            ("index", "delete") => {
                delete();
                Ok(())
            }
            ("index", "rename") => {
                rename();
                Ok(())
            }
            ("index", "pick") => {
                pick();
                Ok(())
            }
            ("index", "discard") => {
                discard();
                Ok(())
            }
            ("index", "leave") => {
                leave();
                Ok(())
            }
            ("index", "frame") => dress(),
            ("index", "toasts") => toasts(),
            ("index", "unmark") => unmark(),
            ("index", "slow-bars") => slow_bars(),
            ("index", "hide-tab-bar") => frame::hide_tab_bar(true),
            ("index", "show-tab-bar") => frame::show_tab_bar(false),
            ("index", "refusals") => refusals(),
            ("index", "open-detail") => nav::navigate_to("detail"),
            ("detail", "back") => nav::navigate_back(1),
            (page, handler) => Err(Error::app(format!("unknown handler {page}:{handler}"))),
        }
    }
}

miniapp_sdk::export_app!(Feedback);
