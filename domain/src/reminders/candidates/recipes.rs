//! Recipes: catalogue recipes ranked by the ingredients bought recently.

use super::{lists_of, Candidate, Cx, Link, Name, Text, Topic};
use crate::reminders::catalogue::Recipe;
use crate::reminders::rules::{RecipesRule, Rule};
use crate::reminders::time::{days, DayStamp};

pub(super) fn recipes<'a>(
    cx: &Cx<'a>,
    rule: &'a Rule,
    r: &RecipesRule,
    out: &mut Vec<Candidate<'a>>,
) {
    let window = days(r.window_days);
    let from = cx.now.saturating_sub(window);
    struct Scored<'a> {
        recipe: &'a Recipe,
        matched: usize,
        total: usize,
        latest: u32,
        products: Vec<Name<'a>>,
    }
    let mut scored: Vec<Scored<'a>> = Vec::new();
    let resolved = cx.recipe_lists.get_or_init(|| {
        cx.input
            .catalogue
            .recipes
            .iter()
            .map(|r| {
                r.ingredients
                    .iter()
                    .map(|i| lists_of(cx.index, i))
                    .collect()
            })
            .collect()
    });
    for (recipe, ingredients) in cx.input.catalogue.recipes.iter().zip(resolved) {
        let mut matched = 0usize;
        let mut latest: Option<u32> = None;
        let mut products: Vec<Name<'a>> = Vec::new();
        for lists in ingredients {
            if let Some(li) = cx.index.latest_in(lists, from, cx.now) {
                matched += 1;
                let l = cx.index.line(li);
                if latest.is_none_or(|x| cx.index.line(x).at < l.at) {
                    latest = Some(li);
                }
                let name = cx.index.name(l);
                if products.len() < 3 && !products.iter().any(|p| p.same(&name)) {
                    products.push(name);
                }
            }
        }
        if let Some(latest) = latest {
            if matched >= r.min_overlap as usize {
                scored.push(Scored {
                    recipe,
                    matched,
                    total: recipe.ingredients.len(),
                    latest,
                    products,
                });
            }
        }
    }
    // Most ingredients bought first; then the larger share of the recipe; then id.
    crate::sort::sort_by(&mut scored, |a, b| {
        b.matched
            .cmp(&a.matched)
            .then((b.matched * a.total).cmp(&(a.matched * b.total)))
            .then(a.recipe.id.cmp(&b.recipe.id))
    });
    for s in scored.into_iter().take(r.max_suggestions as usize) {
        let bought = cx.index.line(s.latest).at;
        let day = cx.tz.day(bought);
        let mut at = cx.on_day(rule, day);
        if at < bought {
            at = cx.on_day(rule, day + 1);
        }
        let recipe = s.recipe;
        let link = match &recipe.deep_link {
            Some(l) => Link::Custom(l),
            None => cx.rule_link(rule, "recipe", Some(&recipe.id)),
        };
        if let Some(i) = cx.push(
            out,
            rule,
            &s.recipe.id,
            &DayStamp(day),
            at,
            bought.saturating_add(window),
            Text::Recipe {
                recipe: s.recipe,
                products: s.products,
                matched: s.matched,
                total: s.total,
            },
            link,
        ) {
            out[i].repeat_gap = days(r.repeat_after_days);
            out[i].topic = Some(Topic::Recipe(&s.recipe.id));
        }
    }
}
