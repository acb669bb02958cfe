//! Todo: a list kept in storage, shown with whole-list and path patches.

use miniapp_sdk::{App, Error, Event, Launch, Result, json, storage, view};
use serde::{Deserialize, Serialize};

const KEY: &str = "todos";

#[derive(Clone, Serialize, Deserialize)]
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

#[derive(Deserialize)]
struct NewTodo {
    /// From `--event index:add={"title":...}`, or an input's confirm
    /// (`{"value":...}`) through the view.
    #[serde(alias = "value")]
    title: String,
}

#[derive(Default)]
struct TodoApp {
    todos: Todos,
}

impl TodoApp {
    fn left(&self) -> usize {
        self.todos.items.iter().filter(|t| !t.done).count()
    }

    fn position(&self, id: u32) -> Result<usize> {
        self.todos
            .items
            .iter()
            .position(|t| t.id == id)
            .ok_or_else(|| Error::app(format!("no todo with id {id}")))
    }

    fn save(&self) -> Result<()> {
        storage::set(KEY, &self.todos)
    }

    /// Save, then show the whole list.
    fn save_and_show(&self) -> Result<()> {
        self.save()?;
        view::set_data(json!({ "todos": self.todos.items, "left": self.left() }))
    }
}

impl App for TodoApp {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        self.todos = storage::get(KEY)?.unwrap_or_default();
        view::set_data(json!({ "todos": self.todos.items, "left": self.left() }))
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "add") => {
                let NewTodo { title } = event.detail_as()?;
                let title = title.trim();
                if title.is_empty() {
                    return Err(Error::app("title must not be empty"));
                }
                let id = self.todos.next_id;
                self.todos.next_id += 1;
                self.todos.items.push(Todo {
                    id,
                    title: title.to_owned(),
                    done: false,
                });
                self.save_and_show()
            }
            ("index", "toggle") => {
                let id = event.id()?;
                let i = self.position(id)?;
                let todo = &mut self.todos.items[i];
                todo.done = !todo.done;
                let done = todo.done;
                self.save()?;
                // Only the changed field goes to the renderer.
                view::set_data(json!({ format!("todos[{i}].done"): done, "left": self.left() }))
            }
            ("index", "remove") => {
                let id = event.id()?;
                let i = self.position(id)?;
                self.todos.items.remove(i);
                self.save_and_show()
            }
            ("index", "clear-done") => {
                self.todos.items.retain(|t| !t.done);
                self.save_and_show()
            }
            (page, handler) => Err(Error::app(format!("unknown handler {page}:{handler}"))),
        }
    }
}

miniapp_sdk::export_app!(TodoApp);
