//! The peer of `miniapp bench --peer`: the smallest `wasi:http/proxy`
//! component, answering every request `200` with the body `hello`, run by
//! `wasmtime serve`. Not a mini-program (no manifest, no host API): what a
//! request costs a bare WebAssembly HTTP host, beside what an event costs
//! ours.

use std::io::Write as _;

use wasip2::exports::http::incoming_handler::Guest;
use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Hello;

impl Guest for Hello {
    fn handle(_request: IncomingRequest, out: ResponseOutparam) {
        // No content-length: the body is a stream (chunked), as in the
        // bindings' own example; with one, the host closes the stream at
        // its fifth byte and the flush fails.
        let response = OutgoingResponse::new(Fields::new());
        let body = response
            .body()
            .expect("a new response's body is taken once");
        ResponseOutparam::set(out, Ok(response));
        let mut stream = body.write().expect("a new body's stream is taken once");
        stream
            .write_all(b"hello")
            .expect("the client takes the body");
        stream.flush().expect("the client takes the body");
        drop(stream);
        OutgoingBody::finish(body, None).expect("the body is as long as it says");
    }
}

wasip2::http::proxy::export!(Hello);
