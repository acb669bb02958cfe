//! 2048: slide the tiles, merge equal ones, reach 2048. The game is saved in
//! storage after every move, so a relaunch resumes it.

use miniapp_sdk::{App, Error, Event, Launch, Result, json, storage, view};
use serde::{Deserialize, Serialize};

const KEY: &str = "game";
/// Seed of the tile generator for a new game: every game starts the same way.
const SEED: u32 = 0x2048_2048;

type Board = [[u32; 4]; 4];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Dir {
    Up,
    Down,
    Left,
    Right,
}

impl Dir {
    const ALL: [Dir; 4] = [Dir::Up, Dir::Down, Dir::Left, Dir::Right];

    /// The direction a button's `data-dir` names.
    fn parse(name: &str) -> Result<Dir> {
        match name {
            "up" => Ok(Dir::Up),
            "down" => Ok(Dir::Down),
            "left" => Ok(Dir::Left),
            "right" => Ok(Dir::Right),
            other => Err(Error::app(format!(
                "unknown direction `{other}` (expected up, down, left or right)"
            ))),
        }
    }

    /// Board position of the `k`-th cell of line `i`, counting from the edge
    /// the tiles slide towards.
    fn cell(self, i: usize, k: usize) -> (usize, usize) {
        match self {
            Dir::Left => (i, k),
            Dir::Right => (i, 3 - k),
            Dir::Up => (k, i),
            Dir::Down => (3 - k, i),
        }
    }
}

/// Slide one line towards index 0, merging each pair of equal neighbours
/// once. Returns the new line and the points scored (the merged values).
fn slide_line(line: [u32; 4]) -> ([u32; 4], u32) {
    let mut out = [0; 4];
    let mut len = 0;
    let mut points = 0;
    let mut can_merge = false;
    for value in line.into_iter().filter(|&v| v != 0) {
        if can_merge && out[len - 1] == value {
            out[len - 1] *= 2;
            points += out[len - 1];
            can_merge = false;
        } else {
            out[len] = value;
            len += 1;
            can_merge = true;
        }
    }
    (out, points)
}

/// Slide the whole board in `dir`. Returns the new board and the points scored.
fn slide(board: &Board, dir: Dir) -> (Board, u32) {
    let mut next = [[0; 4]; 4];
    let mut points = 0;
    for i in 0..4 {
        let line = std::array::from_fn(|k| {
            let (r, c) = dir.cell(i, k);
            board[r][c]
        });
        let (line, p) = slide_line(line);
        points += p;
        for (k, value) in line.into_iter().enumerate() {
            let (r, c) = dir.cell(i, k);
            next[r][c] = value;
        }
    }
    (next, points)
}

#[derive(Serialize, Deserialize)]
struct Game {
    board: Board,
    score: u32,
    best: u32,
    over: bool,
    moves: u32,
    /// xorshift32 state of the tile generator.
    rng: u32,
}

impl Game {
    fn new(best: u32) -> Self {
        let mut game = Game {
            board: [[0; 4]; 4],
            score: 0,
            best,
            over: false,
            moves: 0,
            rng: SEED,
        };
        game.add_tile();
        game.add_tile();
        game
    }

    fn random(&mut self) -> u32 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        x
    }

    /// Put a 2 (90%) or a 4 on a random empty cell.
    fn add_tile(&mut self) {
        let empty: Vec<(usize, usize)> = (0..16)
            .map(|n| (n / 4, n % 4))
            .filter(|&(r, c)| self.board[r][c] == 0)
            .collect();
        if empty.is_empty() {
            return;
        }
        let (r, c) = empty[self.random() as usize % empty.len()];
        self.board[r][c] = if self.random().is_multiple_of(10) {
            4
        } else {
            2
        };
    }

    /// Play one move; false if it changes nothing.
    fn play(&mut self, dir: Dir) -> bool {
        let (board, points) = slide(&self.board, dir);
        if board == self.board {
            return false;
        }
        self.board = board;
        self.score += points;
        self.best = self.best.max(self.score);
        self.moves += 1;
        self.add_tile();
        self.over = Dir::ALL
            .iter()
            .all(|&d| slide(&self.board, d).0 == self.board);
        true
    }

    fn save_and_show(&self) -> Result<()> {
        storage::set(KEY, self)?;
        view::set_data(json!({
            "board": self.board,
            "score": self.score,
            "best": self.best,
            "over": self.over,
            "moves": self.moves,
        }))
    }
}

#[derive(Deserialize)]
struct Move {
    dir: Dir,
}

impl Move {
    /// The direction of a move: the tapped button's `data-dir` through the
    /// view, or the `dir` of the detail (`--event 'index:move={"dir":"up"}'`).
    fn of(event: &Event) -> Result<Dir> {
        match event.dataset.get("dir") {
            Some(dir) => Dir::parse(dir),
            None => event.detail_as::<Move>().map(|m| m.dir),
        }
    }
}

#[derive(Default)]
struct Game2048 {
    game: Option<Game>,
}

impl Game2048 {
    fn game(&mut self) -> &mut Game {
        self.game.get_or_insert_with(|| Game::new(0))
    }
}

impl App for Game2048 {
    fn on_launch(&mut self, _launch: &Launch) -> Result<()> {
        let game = match storage::get::<Game>(KEY)? {
            Some(game) => game,
            None => Game::new(0),
        };
        self.game.insert(game).save_and_show()
    }

    fn on_event(&mut self, event: &Event) -> Result<()> {
        match (event.page.as_str(), event.handler.as_str()) {
            ("index", "move") => {
                let dir = Move::of(event)?;
                let game = self.game();
                if game.play(dir) {
                    game.save_and_show()?;
                }
                Ok(())
            }
            ("index", "restart") => {
                let best = self.game().best;
                self.game.insert(Game::new(best)).save_and_show()
            }
            (page, handler) => Err(Error::app(format!("unknown handler {page}:{handler}"))),
        }
    }
}

miniapp_sdk::export_app!(Game2048);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slide_line_merges_each_pair_once() {
        assert_eq!(slide_line([2, 2, 2, 2]), ([4, 4, 0, 0], 8));
        assert_eq!(slide_line([2, 0, 2, 4]), ([4, 4, 0, 0], 4));
        assert_eq!(slide_line([4, 4, 8, 0]), ([8, 8, 0, 0], 8));
        assert_eq!(slide_line([0, 0, 0, 2]), ([2, 0, 0, 0], 0));
        assert_eq!(slide_line([2, 4, 8, 16]), ([2, 4, 8, 16], 0));
    }

    #[test]
    fn slide_board_in_every_direction() {
        let board = [[2, 0, 0, 2], [0, 0, 0, 0], [0, 4, 0, 0], [2, 4, 0, 0]];
        let (left, points) = slide(&board, Dir::Left);
        assert_eq!(
            left,
            [[4, 0, 0, 0], [0, 0, 0, 0], [4, 0, 0, 0], [2, 4, 0, 0]]
        );
        assert_eq!(points, 4);
        let (right, _) = slide(&board, Dir::Right);
        assert_eq!(
            right,
            [[0, 0, 0, 4], [0, 0, 0, 0], [0, 0, 0, 4], [0, 0, 2, 4]]
        );
        let (up, points) = slide(&board, Dir::Up);
        assert_eq!(up, [[4, 8, 0, 2], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
        assert_eq!(points, 12);
        let (down, _) = slide(&board, Dir::Down);
        assert_eq!(
            down,
            [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [4, 8, 0, 2]]
        );
    }

    #[test]
    fn new_game_has_two_tiles_and_a_noop_move_does_not_count() {
        let mut game = Game::new(0);
        let tiles = game.board.iter().flatten().filter(|&&v| v != 0).count();
        assert_eq!(tiles, 2);
        game.board = [[2, 4, 8, 16], [0; 4], [0; 4], [0; 4]];
        assert!(!game.play(Dir::Up));
        assert_eq!(game.moves, 0);
        assert!(game.play(Dir::Down));
        assert_eq!(game.moves, 1);
    }
}
