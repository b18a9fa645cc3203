//! A cap on what one reply may hold, enforced while it is read.
//!
//! The SDK reads a reply's body whole before parsing it, with no limit: an
//! endpoint that streams without end (a hostile `AWS_ENDPOINT_URL`, a broken
//! proxy) grows memory until the timeout or the OOM killer ends the run. An
//! interceptor wraps every reply body of our clients, before it is read
//! (`modify_before_deserialization`, the hook between transmit and the SDK's
//! `read_body`), in [`Capped`], which fails the read once more than
//! [`REPLY_CAP`] bytes arrive, or at once if `Content-Length` declares more.
//! Chunked bodies are counted frame by frame, so at most one frame past the
//! cap is ever held. The error names the call and the cap, never the body,
//! and a retry classifier keeps it from being retried.
//!
//! # The bound
//!
//! The largest reply AWS can send us is a `BatchGetSecretValue` of 20
//! secrets. A secret is at most 65,536 bytes; as `SecretString` in JSON each
//! byte is at most 6 (a control character escaped as `\u00XX`), so
//! 393,216 bytes (as `SecretBinary`, base64: 87,384); its name, ARN, version
//! id and up to 20 stage labels add under 8 KiB. 20 × 392 KiB ≈ 7.7 MiB.
//! Every other reply is smaller: a `ListSecrets` page is 100 entries of
//! metadata only; SSM values are at most 8 KiB, 10 to a reply. Real replies
//! are far smaller still (20 secrets of 64 KiB, base64, ≈ 1.3 MiB).
//! [`REPLY_CAP`] is 16 MiB, twice the worst legitimate reply; with
//! [`super::schedule::PARALLEL`] calls in flight (every call, fallback and
//! version checks included, passes through `schedule`), a hostile endpoint can make us hold at
//! most 24 × 16 MiB of reply bodies at once, where nothing bounded it before.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextMut, InterceptorContext,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use http_body::{Body, Frame, SizeHint};
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The most one reply body may hold, in bytes (see the module's docs).
pub(super) const REPLY_CAP: u64 = 16 * 1024 * 1024;

/// Why a reply was cut off: the call it answered and the cap. Never any of
/// the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TooLarge {
    /// The API operation (`BatchGetSecretValue`…).
    pub operation: String,
    pub limit: u64,
}

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the {} reply is larger than {} bytes",
            self.operation, self.limit
        )
    }
}

impl std::error::Error for TooLarge {}

/// The [`TooLarge`] in an error's `source()` chain, if any.
pub(super) fn too_large<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a TooLarge> {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(found) = e.downcast_ref::<TooLarge>() {
            return Some(found);
        }
        next = e.source();
    }
    None
}

/// A body that fails once more than `left` bytes arrive through it.
struct Capped {
    inner: SdkBody,
    /// Bytes still allowed.
    left: u64,
    /// What the error says.
    error: TooLarge,
    /// Set once over: every later poll fails too, nothing more is read.
    over: bool,
}

impl Capped {
    /// `declared`: the reply's `Content-Length`, if it has one; more than
    /// `limit` fails the first read, before a byte of the body is read.
    fn new(inner: SdkBody, limit: u64, operation: String, declared: Option<u64>) -> Capped {
        Capped {
            inner,
            left: limit,
            error: TooLarge { operation, limit },
            over: declared.is_some_and(|n| n > limit),
        }
    }
}

impl Body for Capped {
    type Data = <SdkBody as Body>::Data;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        if this.over {
            return Poll::Ready(Some(Err(this.error.clone().into())));
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                let len = frame.data_ref().map_or(0, |data| data.len() as u64);
                if len > this.left {
                    this.over = true;
                    // The frame is dropped here, unread.
                    Poll::Ready(Some(Err(this.error.clone().into())))
                } else {
                    this.left -= len;
                    Poll::Ready(Some(Ok(frame)))
                }
            }
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        !self.over && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Wraps every reply body in [`Capped`] before the SDK reads it.
#[derive(Debug)]
pub(super) struct CapReplies;

impl Intercept for CapReplies {
    fn name(&self) -> &'static str {
        "CapReplies"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg
            .load::<Metadata>()
            .map_or("AWS", Metadata::name)
            .to_string();
        let response = context.response_mut();
        let declared = response
            .headers()
            .get("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok());
        let body = response.take_body();
        *response.body_mut() =
            SdkBody::from_body_1_x(Capped::new(body, REPLY_CAP, operation, declared));
        Ok(())
    }
}

/// A reply over the cap is not retried: the next attempt would get as much.
#[derive(Debug)]
pub(super) struct NoRetryTooLarge;

impl ClassifyRetry for NoRetryTooLarge {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        match ctx.output_or_error() {
            Some(Err(err)) if err.is_response_error() && too_large(err).is_some() => {
                RetryAction::RetryForbidden
            }
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "NoRetryTooLarge"
    }

    /// After the classifier that retries every unreadable reply.
    fn priority(&self) -> RetryClassifierPriority {
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects a body, frame by frame, as the SDK's `read_body` does.
    fn read(body: Capped) -> Result<Vec<u8>, BoxError> {
        let mut body = std::pin::pin!(body);
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut out = Vec::new();
        loop {
            match body.as_mut().poll_frame(&mut cx) {
                Poll::Ready(None) => return Ok(out),
                Poll::Ready(Some(Ok(frame))) => {
                    out.extend_from_slice(frame.data_ref().expect("data frame"));
                }
                Poll::Ready(Some(Err(e))) => return Err(e),
                Poll::Pending => panic!("an in-memory body is never pending"),
            }
        }
    }

    fn capped(bytes: &[u8], limit: u64, declared: Option<u64>) -> Capped {
        Capped::new(
            SdkBody::from(bytes.to_vec()),
            limit,
            "GetSecretValue".into(),
            declared,
        )
    }

    #[test]
    fn a_body_within_the_cap_passes_whole() {
        assert_eq!(
            read(capped(b"0123456789", 10, Some(10))).unwrap(),
            b"0123456789"
        );
        assert_eq!(read(capped(b"", 0, None)).unwrap(), b"");
    }

    #[test]
    fn a_body_over_the_cap_fails_naming_the_call_and_the_cap_only() {
        let err = read(capped(b"secret-value!", 10, None)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the GetSecretValue reply is larger than 10 bytes"
        );
        let found = too_large(err.as_ref()).expect("a TooLarge");
        assert_eq!(found.limit, 10);
    }

    #[test]
    fn a_declared_length_over_the_cap_fails_before_reading() {
        let mut body = capped(b"tiny", 10, Some(11));
        assert!(!body.is_end_stream());
        assert!(read(capped(b"tiny", 10, Some(11))).is_err());
        // Every later poll fails too.
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        for _ in 0..2 {
            assert!(matches!(
                Pin::new(&mut body).poll_frame(&mut cx),
                Poll::Ready(Some(Err(_)))
            ));
        }
    }
}
