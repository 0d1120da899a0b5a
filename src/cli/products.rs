//! `keyctl product …`.

use clap::{Args, Subcommand};

use super::{done, emit, Env};
use crate::control::{Op, Reply};
use crate::error::Result;
use crate::output;

#[derive(Debug, Subcommand)]
pub enum ProductCommand {
    /// Add a product (it also gets the next sequential number)
    Add(AddArgs),
    /// List products
    List,
    /// Show one product, by id or number
    Show {
        /// Product id or number
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Product id used in licenses (1-64 of A-Z a-z 0-9 _ . -)
    id: String,
    /// Display name
    #[arg(long)]
    name: String,
    /// Message shown to users when activation fails
    #[arg(long, value_name = "TEXT")]
    support_message: Option<String>,
}

pub fn run(env: &Env, command: ProductCommand) -> Result<i32> {
    match command {
        ProductCommand::Add(args) => {
            let op = Op::AddProduct {
                id: args.id,
                name: args.name,
                support_message: args.support_message,
            };
            let Reply::Product(product) = env.apply(op)? else {
                unreachable!("add product answers a product")
            };
            emit(&output::product(&product, env.json))?;
        }
        ProductCommand::List => {
            let Reply::Products(list) = env.apply(Op::ListProducts)? else {
                unreachable!("a product list")
            };
            emit(&output::products(&list, env.json))?;
        }
        ProductCommand::Show { id } => {
            let Reply::Product(product) = env.apply(Op::ShowProduct { id })? else {
                unreachable!("a product")
            };
            emit(&output::product(&product, env.json))?;
        }
    }
    done()
}
