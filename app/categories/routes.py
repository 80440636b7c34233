"""Categories: the public tree, and admin changes."""

from sqlalchemy import select

from app.categories.models import Category
from app.categories.schemas import CategoryListArgs, CategorySchema
from app.categories.service import add_category, retire_category
from app.extensions import Blueprint, db

blp = Blueprint(
    "categories", __name__, url_prefix="/api/v1/categories", description="Dispute categories"
)


@blp.get("")
@blp.arguments(CategoryListArgs, location="query")
@blp.response(200, CategorySchema(many=True))
def list_categories(args):
    """The category tree (code, name, parent_code), in display order."""
    query = select(Category).order_by(Category.sort_order, Category.code)
    if not args["include_retired"]:
        query = query.where(Category.active.is_(True))
    return db.session.scalars(query)


@blp.post("")
@blp.staff("admin")
@blp.arguments(CategorySchema)
@blp.response(201, CategorySchema)
def post_category(args):
    """Add a category."""
    category = add_category(**args)
    db.session.commit()
    return category


@blp.post("/<code>/retire")
@blp.staff("admin")
@blp.response(200, CategorySchema)
def retire(code: str):
    """Retire a category: gone from choices, kept on old reports."""
    category = retire_category(code)
    db.session.commit()
    return category
