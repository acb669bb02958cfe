//! A one-request-per-connection HTTP server on 127.0.0.1 for the tests
//! whose origin must answer in a way of their own (ranges, held requests,
//! wrong headers).

use std::future::Future;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What an origin answers: its status line and headers without the final
/// line break (`200 OK\r\nContent-Type: video/webm`), and its body.
pub(crate) type Answer = (String, Vec<u8>);

/// Serve on 127.0.0.1: `answer` gets each request's text and gives what to
/// answer (a `Content-Length` and `Connection: close` are added), or never
/// finishes to hold the request unanswered; its address.
pub(crate) async fn serve<F, Fut>(answer: F) -> SocketAddr
where
    F: Fn(String) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Answer> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = socket.read(&mut buf).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]).to_string();
                let (head, body) = answer(request).await;
                let head = format!(
                    "HTTP/1.1 {head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&body).await;
            });
        }
    });
    addr
}

/// The path a request asks for.
pub(crate) fn path_of(request: &str) -> &str {
    request.split_whitespace().nth(1).unwrap_or("/")
}
