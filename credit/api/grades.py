"""Grades: the current grade or one as of a day, its history, overrides, the inspection plan."""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView

from credit.api.blueprints import Blueprint
from credit.api.context import current_caller, db_session
from credit.services import grading, inspection_plan
from schemas.enterprises import UsccPath
from schemas.grades import (
    AssessmentPage,
    GradeArgs,
    GradeOut,
    HistoryArgs,
    InspectionPlanArgs,
    InspectionPlanOut,
    OverrideIn,
)

blp = Blueprint("grades", __name__, description="GB/T 23791-style grades and risk classes")


@blp.route("/enterprises/<uscc>/grade")
class EnterpriseGrade(MethodView):
    @blp.arguments(UsccPath, location="path")
    @blp.arguments(GradeArgs, location="query")
    @blp.response(200, GradeOut)
    def get(self, path, args, uscc):
        """The grade today or `as_of` a day; the explanation for the regulator, the firm, and a
        bank that passes `purpose` (logged)."""
        caller = current_caller()
        session = db_session(logged_read=caller.role == "bank" and bool(args.get("purpose")))
        view = grading.grade_view(
            session, caller, path["uscc"], args.get("as_of"), args.get("purpose")
        )
        session.commit()
        return view


@blp.route("/enterprises/<uscc>/grades")
class EnterpriseGradeHistory(MethodView):
    @blp.arguments(UsccPath, location="path")
    @blp.arguments(HistoryArgs, location="query")
    @blp.response(200, AssessmentPage)
    @blp.doc(security=[{"bearer": []}])
    def get(self, path, args, uscc):
        """Every assessment, newest first (the regulator of the region, the firm itself, a bank
        that passes `purpose`)."""
        caller = current_caller()
        session = db_session(logged_read=caller.role == "bank" and bool(args.get("purpose")))
        page = grading.grade_history(
            session, caller, path["uscc"], args["page"], args["per_page"], args.get("purpose")
        )
        session.commit()
        return page


@blp.route("/enterprises/<uscc>/grade/override")
class EnterpriseGradeOverride(MethodView):
    @blp.arguments(UsccPath, location="path")
    @blp.arguments(OverrideIn)
    @blp.response(201, GradeOut)
    @blp.doc(security=[{"bearer": []}])
    def post(self, path, body, uscc):
        """Override the grade with a reason until a day (a blacklist listing still makes it D)."""
        session = db_session()
        caller = current_caller()
        enterprise = grading.set_override(session, caller, path["uscc"], **body)
        session.commit()
        return grading.grade_view(session, caller, enterprise.uscc)


PLAN_DESCRIPTION = "The plan; as CSV when asked with `Accept: text/csv`"


@blp.route("/inspection-plan")
class InspectionPlan(MethodView):
    @blp.arguments(InspectionPlanArgs, location="query")
    @blp.response(200, InspectionPlanOut, description=PLAN_DESCRIPTION)
    @blp.alt_response(
        200,
        schema={"type": "string"},
        content_type="text/csv",
        success=True,
        description=PLAN_DESCRIPTION,
    )
    @blp.doc(security=[{"bearer": []}])
    def get(self, args):
        """The random inspection sample (双随机) of a region per risk class; CSV with Accept: text/csv."""
        plan = inspection_plan.draw(db_session(), current_caller(), **args)
        if request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv":
            name = f"inspection-plan-{plan['region']}-{plan['date']}-{plan['seed']}.csv"
            return Response(
                inspection_plan.as_csv(plan),
                mimetype="text/csv",
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )
        return plan
