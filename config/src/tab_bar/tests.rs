//! `tabBar`: what it reads, and every refusal at its place.

use crate::AppConfig;

const GOOD: &str = r##"{
  "pages": ["pages/home", "pages/cart/cart", "pages/me"],
  "tabBar": {
    "color": "#999999",
    "selectedColor": "#1AAD19",
    "backgroundColor": "#ffffff",
    "borderStyle": "white",
    "position": "bottom",
    "list": [
      {"pagePath": "pages/home", "text": "Home", "iconPath": "icons/home.png", "selectedIconPath": "/icons/home-on.png"},
      {"pagePath": "pages/cart/cart", "text": "Cart"}
    ]
  }
}"##;

fn refused(text: &str) -> String {
    AppConfig::parse(text).unwrap_err().to_string()
}

#[test]
fn a_good_tab_bar_gives_its_tabs_colours_and_icons() {
    let bar = AppConfig::parse(GOOD).unwrap().tab_bar.unwrap();
    assert_eq!(bar.selected_color.as_deref(), Some("#1aad19"));
    assert_eq!(bar.border_style.as_deref(), Some("white"));
    assert!(!bar.at_top());
    let routes: Vec<&str> = bar.list.iter().map(|t| t.route()).collect();
    assert_eq!(routes, ["home", "cart/cart"]);
    assert_eq!(bar.list[0].icon_path.as_deref(), Some("icons/home.png"));
    // A leading `/` is the package's root.
    assert_eq!(
        bar.list[0].selected_icon_path.as_deref(),
        Some("icons/home-on.png")
    );
    assert_eq!(bar.list[1].icon_path, None);
    assert_eq!(bar.index_of("cart/cart"), Some(1));
    assert_eq!(bar.index_of("me"), None);
    // Where the icon is, for the package's check.
    assert_eq!(
        (
            bar.list[0].places.icon_path.line,
            bar.list[0].places.icon_path.col
        ),
        (10, 62)
    );
    // The frame's form: WeChat's names, the places left out.
    let json = serde_json::to_value(&bar).unwrap();
    assert_eq!(
        json["list"][1],
        serde_json::json!({"pagePath": "pages/cart/cart", "text": "Cart"})
    );
    assert_eq!(json["selectedColor"], "#1aad19");
}

#[test]
fn each_bad_tab_bar_value_is_refused_at_its_place() {
    let six = format!(
        "[{}]",
        [r#"{"pagePath": "pages/home", "text": "A"}"#; 6].join(", ")
    );
    let list_start = GOOD.find("[\n      {").unwrap();
    let list_end = GOOD.find("]\n  }").unwrap() + 1;
    let with_list = |list: &str| format!("{}{list}{}", &GOOD[..list_start], &GOOD[list_end..]);
    assert_eq!(
        refused(&with_list(&six)),
        "app.json:9:13: `list` must have 2 to 5 tabs, as on WeChat, not 6"
    );
    assert_eq!(
        refused(&with_list(r#"[{"pagePath": "pages/home", "text": "A"}]"#)),
        "app.json:9:13: `list` must have 2 to 5 tabs, as on WeChat, not 1"
    );
    for (from, to, expected) in [
        (
            "\"#999999\"",
            "\"grey\"",
            "app.json:4:14: `color` must be a colour like #1aad19, not `grey`",
        ),
        (
            "\"white\"",
            "\"red\"",
            "app.json:7:20: `borderStyle` must be `black` or `white`, not `red`",
        ),
        (
            "\"bottom\"",
            "\"left\"",
            "app.json:8:17: `position` must be `bottom` or `top`, not `left`",
        ),
        (
            "\"position\"",
            "\"custom\": true, \"x\"",
            "app.json:8:15: `custom: true` is not supported yet (a tab bar drawn by a custom component comes with custom components)",
        ),
        (
            "\"borderStyle\"",
            "\"selectedColour\"",
            "app.json:7:5: unknown key `selectedColour`: did you mean `selectedColor`?",
        ),
        (
            "\"pages/cart/cart\", \"text\"",
            "\"cart\", \"text\"",
            "app.json:11:20: `pagePath` `cart` must be a page's path under pages/ (`pages/cart/cart`), without its extension",
        ),
        (
            "\"pages/cart/cart\", \"text\"",
            "\"pages/home\", \"text\"",
            "app.json:11:20: page `pages/home` is a tab twice",
        ),
        (
            ", \"text\": \"Cart\"",
            "",
            "app.json:11:7: tab 1 needs `text`",
        ),
        (
            "\"Cart\"}",
            "\"Cart\", \"iconPth\": \"a.png\"}",
            "app.json:11:55: unknown key `iconPth`: did you mean `iconPath`?",
        ),
        (
            "\"icons/home.png\"",
            "\"icons/home.gif\"",
            "app.json:10:62: `iconPath` `icons/home.gif` must be a png, jpg or jpeg image",
        ),
        (
            "\"icons/home.png\"",
            "\"https://example.com/a.png\"",
            "app.json:10:62: `iconPath` must be a file of the package, not a URL (`https://example.com/a.png`), as on WeChat",
        ),
        (
            "\"list\": [",
            "\"lists\": [",
            "app.json:9:5: unknown key `lists`: did you mean `list`?",
        ),
        (
            "\"tabBar\": {",
            "\"tabBar\": 1, \"x\": {",
            "app.json:3:13: `tabBar` must be an object",
        ),
    ] {
        assert!(GOOD.contains(from), "{from}");
        assert_eq!(refused(&GOOD.replacen(from, to, 1)), expected, "{to}");
    }
    let no_list = r##"{"tabBar": {"color": "#000000"}}"##;
    assert_eq!(
        refused(no_list),
        "app.json:1:2: `tabBar` needs `list`: its 2 to 5 tabs, each {\"pagePath\", \"text\"}"
    );
}
