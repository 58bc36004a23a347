//! The form that publishes, schedules or saves a post: files (dropped or chosen, previewed by
//! the island) or public addresses, the texts, and when it goes out.

use leptos::prelude::*;

use super::super::enhance::attrs;
use crate::model::{PublishKind, QuotaView, UploadLimits, MAX_CAPTION_CHARS};
use crate::paths;

/// What the file input accepts: the photos and videos the server converts or checks.
pub const ACCEPT: &str = "image/jpeg,image/png,image/webp,image/gif,video/mp4,video/quicktime";

/// The time zone a form starts with when the viewer never chose one.
const DEFAULT_ZONE: &str = "UTC";

/// `300 MB`, `1.5 MB`: a size for people (1 MB = 1,048,576 bytes, as the settings count).
pub fn megabytes(bytes: u64) -> String {
    const MB: u64 = 1_048_576;
    if bytes >= 10 * MB || bytes.is_multiple_of(MB) {
        format!("{} MB", (bytes + MB / 2) / MB)
    } else {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    }
}

/// The line saying how much may be uploaded.
pub fn limits_line(l: &UploadLimits) -> String {
    format!(
        "Files up to {}; you have {} of uploads waiting (up to {} at once).",
        megabytes(l.max_file_bytes),
        megabytes(l.used_bytes),
        megabytes(l.max_person_bytes)
    )
}

/// The form. Its hidden key makes sending it twice publish once.
#[component]
pub fn PublishForm(
    account: String,
    key: String,
    quota: Option<QuotaView>,
    /// Why publishing is not possible now, if it is not.
    blocked: Option<String>,
    /// The upload limits and what the viewer has waiting.
    #[prop(optional_no_strip, into)]
    limits: Option<UploadLimits>,
    /// Why Meta cannot fetch uploads from this server, if it cannot.
    #[prop(optional_no_strip, into)]
    uploads_unreachable: Option<String>,
    /// The time zone the form starts with.
    #[prop(optional_no_strip, into)]
    time_zone: Option<String>,
    /// What comes before the form in its container (a form's answer: the post just sent).
    #[prop(optional)]
    children: Option<Children>,
) -> AnyView {
    let remaining = quota.map(|q| q.remaining());
    let disabled = blocked.is_some() || remaining == Some(0);
    view! {
        <div id="publish-form" {..attrs::swap()}>
            {children.map(|c| c())}
            {quota.map(|q| view! {
                <p class=if q.remaining() == 0 { "notice warn" } else { "notice info" } data-testid="quota">
                    {format!(
                        "{} of {} posts left in the last {} hours (Instagram's limit for accounts publishing through apps).",
                        q.remaining(), q.total, q.window_hours
                    )}
                </p>
            })}
            {blocked.map(|b| view! { <p class="notice error" role="alert" data-testid="publish-blocked">{b}</p> })}
            {uploads_unreachable.map(|u| view! {
                <p class="notice warn" role="alert" data-testid="uploads-unreachable">{u}</p>
            })}
            <form method="post" action=paths::publish(&account) enctype="multipart/form-data"
                class="publish-form card" data-testid="publish-form" {..attrs::enhanced()}>
                <input type="hidden" name="key" value=key />
                {kind_choice()}
                {files_field(limits)}
                {text_fields()}
                {when_fields(time_zone.unwrap_or_else(|| DEFAULT_ZONE.to_owned()))}
                <p class="notice error" hidden {..attrs::form_error()}></p>
                <button type="submit" class="button button-primary" disabled=disabled data-testid="publish-submit">"Publish"</button>
            </form>
        </div>
    }.into_any()
}

/// Photo, reel, carousel or story.
fn kind_choice() -> AnyView {
    let kinds = [
        PublishKind::Image,
        PublishKind::Reel,
        PublishKind::Carousel,
        PublishKind::Story,
    ];
    view! {
        <fieldset class="kind-choice">
            <legend>"What are you publishing?"</legend>
            {kinds
                .into_iter()
                .map(|k| view! {
                    <label class="radio">
                        <input type="radio" name="kind" value=k.as_str() checked=k == PublishKind::Image required />
                        {k.label()}
                    </label>
                })
                .collect_view()}
        </fieldset>
    }.into_any()
}

/// The drop zone around the file input, the previews, how photos are fitted, and the
/// addresses one may give instead of files.
fn files_field(limits: Option<UploadLimits>) -> AnyView {
    view! {
        <div class="drop-zone" data-testid="publish-drop" {..attrs::drop_zone()}>
            <label class="field" for="publish-files">
                <span>"Photos and videos"</span>
            </label>
            <input type="file" id="publish-files" name="files" multiple accept=ACCEPT
                aria-describedby="publish-files-help" data-testid="publish-files" />
            <small id="publish-files-help" class="muted">
                "Drop files here or choose them; several make a carousel, in the order chosen. JPEG, PNG, WebP or GIF photos (sent to Instagram as JPEG) and MP4 or MOV videos. "
                {limits.as_ref().map(|l| view! { <span data-testid="upload-limits">{limits_line(l)}</span> })}
            </small>
        </div>
        <ul class="previews" aria-live="polite" data-testid="publish-preview" {..attrs::previews()}></ul>
        <fieldset class="kind-choice">
            <legend>"Photos that are too tall or too wide for Instagram (outside 4:5 to 1.91:1)"</legend>
            <label class="radio"><input type="radio" name="fit" value="crop" checked />"Crop them"</label>
            <label class="radio"><input type="radio" name="fit" value="pad" />"Add borders"</label>
        </fieldset>
        <label class="field">
            <span>"Or public addresses"</span>
            <textarea name="urls" rows="2" data-testid="publish-urls"
                placeholder="https://example.com/photo.jpg"></textarea>
            <small class="muted">
                "Optional: public https addresses, one per line, that Instagram downloads itself (photos must be JPEG)."
            </small>
        </label>
    }.into_any()
}

/// Caption, alt text and first comment.
fn text_fields() -> AnyView {
    view! {
        <label class="field">
            <span>"Caption"</span>
            <textarea name="caption" rows="4" maxlength=MAX_CAPTION_CHARS.to_string() data-testid="publish-caption"></textarea>
            <small class="muted">{format!("Up to {MAX_CAPTION_CHARS} characters and 30 hashtags.")}</small>
        </label>
        <label class="field">
            <span>"Alt text"</span>
            <textarea name="alt_text" rows="2" data-testid="publish-alt"></textarea>
            <small class="muted">"Describes each photo for people who cannot see it: one line per photo, in order."</small>
        </label>
        <label class="field">
            <span>"First comment"</span>
            <textarea name="first_comment" rows="2" maxlength=MAX_CAPTION_CHARS.to_string() data-testid="publish-comment"></textarea>
            <small class="muted">"Optional: posted as the first comment right after the post goes out."</small>
        </label>
    }.into_any()
}

/// Now, at a chosen time in a time zone, or as a draft.
fn when_fields(time_zone: String) -> AnyView {
    let ask_browser = time_zone.is_empty() || time_zone == DEFAULT_ZONE;
    view! {
        <fieldset class="when-choice">
            <legend>"When"</legend>
            <label class="radio">
                <input type="radio" name="when" value="now" checked data-testid="publish-when-now" />"Publish now"
            </label>
            <label class="radio">
                <input type="radio" name="when" value="schedule" data-testid="publish-when-schedule" />"Schedule"
            </label>
            <label class="radio">
                <input type="radio" name="when" value="draft" data-testid="publish-when-draft" />"Save as a draft"
            </label>
            <div class="when-time">
                <label class="field">
                    <span>"Date and time"</span>
                    <input type="datetime-local" name="at" data-testid="publish-at" />
                </label>
                <label class="field">
                    <span>"Time zone"</span>
                    <input type="text" name="tz" value=time_zone autocomplete="off" spellcheck="false"
                        placeholder="Europe/Paris" data-testid="publish-tz" {..attrs::local_zone(ask_browser)} />
                </label>
            </div>
            <small class="muted">"A scheduled post goes out on its own at that time; you can still edit, reschedule or cancel it until then."</small>
        </fieldset>
    }.into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_megabytes() {
        assert_eq!(megabytes(300 * 1_048_576), "300 MB");
        assert_eq!(megabytes(0), "0 MB");
        assert_eq!(megabytes(1_572_864), "1.5 MB");
        assert_eq!(megabytes(2048 * 1_048_576), "2048 MB");
        let l = UploadLimits {
            max_file_bytes: 300 * 1_048_576,
            max_person_bytes: 2048 * 1_048_576,
            used_bytes: 3 * 1_048_576,
        };
        assert_eq!(
            limits_line(&l),
            "Files up to 300 MB; you have 3 MB of uploads waiting (up to 2048 MB at once)."
        );
    }
}
