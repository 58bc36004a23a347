//! The landing page: what the product does and the *Connect Instagram* call to action.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};

use crate::components::icons::CameraGlyph;
use crate::paths;

/// The home page.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="" />
        <Meta
            name="description"
            content="Connect your Instagram professional account, browse your media and insights, and keep access alive with automatic token renewal."
        />
        {hero()}
        {features()}
        {how_it_works()}
    }
}

/// What the product does, with the *Connect Instagram* call to action (type-erased, as
/// are the other sections, so the page's view type stays shallow enough to compile).
fn hero() -> AnyView {
    view! {
        <section class="hero">
            <div class="container hero-grid">
                <div class="hero-copy">
                    <p class="eyebrow">"For Instagram Business and Creator accounts"</p>
                    <h1>"Your Instagram, connected and always on."</h1>
                    <p class="lead">
                        "Connect your professional account in a few seconds, browse your posts, reels and insights in one place, and never lose access: your connection renews itself long before it expires."
                    </p>
                    <div class="cta-row">
                        <a class="button button-primary button-large" href=paths::CONNECT data-testid="connect-cta">
                            <CameraGlyph />
                            "Connect Instagram"
                        </a>
                        <a class="button button-ghost button-large" href="#how-it-works">
                            "How it works"
                        </a>
                    </div>
                    <p class="fineprint">
                        "You sign in on Instagram itself. We never see your password, and you can disconnect at any time."
                    </p>
                </div>
                <div class="hero-art" aria-hidden="true">
                    <div class="mosaic">
                        <span class="tile t1"></span>
                        <span class="tile t2"></span>
                        <span class="tile t3"></span>
                        <span class="tile t4"></span>
                        <span class="tile t5"></span>
                        <span class="tile t6"></span>
                    </div>
                </div>
            </div>
        </section>
    }
    .into_any()
}

/// The three things the product does for an account.
fn features() -> AnyView {
    view! {
        <section id="features" class="section" aria-labelledby="features-title">
            <div class="container">
                <h2 id="features-title">"Everything your account needs"</h2>
                <ul class="cards">
                    <li class="card">
                        <h3>"Your media, fast"</h3>
                        <p>"A gallery of your posts, carousels and reels with comments and insights, cached so it opens instantly and spares your request budget."</p>
                    </li>
                    <li class="card">
                        <h3>"Access that never lapses"</h3>
                        <p>"Instagram access expires after 60 days. We renew it well ahead of time and tell you early if Instagram needs you to sign in again."</p>
                    </li>
                    <li class="card">
                        <h3>"Built for integrators"</h3>
                        <p>"A small REST API to exchange codes and refresh tokens, and signed webhooks for comments, mentions and messages."</p>
                    </li>
                </ul>
            </div>
        </section>
    }
    .into_any()
}

/// The three steps of connecting an account.
fn how_it_works() -> AnyView {
    view! {
        <section id="how-it-works" class="section section-alt" aria-labelledby="how-title">
            <div class="container">
                <h2 id="how-title">"How it works"</h2>
                <ol class="steps">
                    <li>
                        <h3>"Connect"</h3>
                        <p>"Press Connect Instagram and sign in on Instagram with your professional account."</p>
                    </li>
                    <li>
                        <h3>"Allow"</h3>
                        <p>"Choose what to share: profile and media, and optionally comments, insights and publishing."</p>
                    </li>
                    <li>
                        <h3>"Done"</h3>
                        <p>"You land back here with your media. Your access renews itself from then on."</p>
                    </li>
                </ol>
            </div>
        </section>
    }
    .into_any()
}
