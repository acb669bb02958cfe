//! Todo: a list kept in storage, shown with whole-list and path patches.
//! A typed page: its handlers are the methods of `Index`, its data paths
//! `IndexData`'s fields; the list itself is the app's state (WeChat's
//! `globalData`), read from storage at launch.

use miniapp_sdk::{
    App, Detail, Error, Launch, PageData, Patch, Result, Tap, page, storage, view, with_app,
};
use serde::{Deserialize, Serialize};

const KEY: &str = "todos";

#[derive(Clone, Serialize, Deserialize, PageData)]
struct Todo {
    id: u32,
    title: String,
    done: bool,
}

/// What is saved under the storage key "todos".
#[derive(Serialize, Deserialize)]
struct Todos {
    next_id: u32,
    items: Vec<Todo>,
}

impl Default for Todos {
    fn default() -> Self {
        Todos {
            next_id: 1,
            items: Vec::new(),
        }
    }
}

impl Todos {
    fn left(&self) -> usize {
        self.items.iter().filter(|t| !t.done).count()
    }

    fn position(&self, id: u32) -> Result<usize> {
        self.items
            .iter()
            .position(|t| t.id == id)
            .ok_or_else(|| Error::app(format!("no todo with id {id}")))
    }

    /// Save, then show the whole list.
    fn save_and_show(&self) -> Result<()> {
        storage::set(KEY, self)?;
        self.show()
    }

    fn show(&self) -> Result<()> {
        view::set_data(IndexData {
            todos: self.items.clone(),
            left: self.left(),
        })
    }
}

/// The index page's data.
#[derive(Serialize, PageData)]
struct IndexData {
    todos: Vec<Todo>,
    left: usize,
}

#[derive(Deserialize)]
struct NewTodo {
    /// From `--event index:add={"title":...}`, or an input's confirm
    /// (`{"value":...}`) through the view.
    #[serde(alias = "value")]
    title: String,
}

/// A row's `data-id` (or, sent without the view, the detail's `id`).
#[derive(Deserialize)]
struct Row {
    id: u32,
}

#[derive(Default)]
struct TodoApp {
    todos: Todos,
}

impl App for TodoApp {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        self.todos = storage::get(KEY)?.unwrap_or_default();
        self.todos.show()
    }
}

/// The list page.
#[derive(Default)]
struct Index;

/// The app's list, from a page's handler.
fn todos<R>(f: impl FnOnce(&mut Todos) -> Result<R>) -> Result<R> {
    with_app(|app: &mut TodoApp| f(&mut app.todos))?
}

#[page("index", data = IndexData)]
impl Index {
    #[handler]
    fn add(&mut self, new: Detail<NewTodo>) -> Result<()> {
        let title = new.title.trim();
        if title.is_empty() {
            return Err(Error::app("title must not be empty"));
        }
        todos(|todos| {
            let id = todos.next_id;
            todos.next_id += 1;
            todos.items.push(Todo {
                id,
                title: title.to_owned(),
                done: false,
            });
            todos.save_and_show()
        })
    }

    #[handler]
    fn toggle(&mut self, tap: Tap<Row>) -> Result<()> {
        todos(|todos| {
            let i = todos.position(tap.dataset.id)?;
            let todo = &mut todos.items[i];
            todo.done = !todo.done;
            let done = todo.done;
            storage::set(KEY, &*todos)?;
            // Only the changed field goes to the renderer.
            (Patch::new().set(IndexData::todos().at(i).done(), done)?)
                .set(IndexData::left(), todos.left())?
                .apply()
        })
    }

    #[handler]
    fn remove(&mut self, tap: Tap<Row>) -> Result<()> {
        todos(|todos| {
            let i = todos.position(tap.dataset.id)?;
            todos.items.remove(i);
            todos.save_and_show()
        })
    }

    #[handler("clear-done")]
    fn clear_done(&mut self) -> Result<()> {
        todos(|todos| {
            todos.items.retain(|t| !t.done);
            todos.save_and_show()
        })
    }
}

miniapp_sdk::export_app!(TodoApp, pages = [Index]);
