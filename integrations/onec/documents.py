"""1C sales and returns documents into the sales ledger as sell-in lines (issue #8).

1C documents are back-dated, re-posted and unposted, so every night the sync reads a sliding
window (``ONEC_SALES_WINDOW_DAYS``, 35 by default) of documents by date, page by page like the
records (sync.run: cursor, lock, run record). For each document whose ``DataVersion`` is new:

* posted and not marked for deletion: its goods rows become ledger lines (source ERP, external
  id ``S:<Ref_Key>:<row>`` for sales, ``R:…`` for returns, returns negative), recorded with
  ``replace_documents`` so that a re-posted document that lost a row loses the line too; a
  document whose buyer or product the CRM does not have yet is left as it was and read again
  next night;
* unposted or marked for deletion: its lines leave the ledger; the run keeps which documents
  went and why (``SyncRun.removed``).

A run that read the whole window also removes the lines of documents that no longer come back
in it (deleted in 1C, or moved out of the window by a new date). In a SyncRun of documents,
``fetched`` counts documents and the other counts ledger lines.
"""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.catalog.models import Product
from crm.clients.models import Organisation
from crm.core.choices import Channel, Source
from crm.refs.models import PaymentForm
from crm.sales import services as ledger
from crm.sales.choices import Flow
from integrations.onec import sync
from integrations.onec.client import Page, literal
from integrations.onec.models import SyncedVersion, SyncRun

MAX_STORED = 500


def window_start(today: date | None = None) -> date:
    today = today or timezone.localdate()
    return today - timedelta(days=settings.ONEC_SALES_WINDOW_DAYS)


def window_filter(plan) -> str:
    prop = (plan.properties.get("date") or "Date").split("|")[0].strip()
    moment = timezone.datetime.combine(window_start(), timezone.datetime.min.time())
    return f"{prop} ge {literal(moment)}"


def _prefix(plan) -> str:
    return "S" if plan.target.sign > 0 else "R"


class DocumentLoader:
    """Loads pages of one kind of document (see the module's docstring)."""

    def __init__(self, plan, record: SyncRun):
        self.plan, self.run = plan, record
        self.sign = Decimal(plan.target.sign)
        self.prefix = _prefix(plan)
        self.props = {
            c.name: [p.strip() for p in (plan.properties.get(c.name) or "").split("|") if p]
            for c in plan.target.columns
        }
        self.seen: set[str] = set()

    def _get(self, name: str, data: dict):
        for prop in self.props.get(name) or ():
            value = data.get(prop)
            if value not in (None, "", sync.targets.ZERO_GUID):
                return value
        return None

    def _note(self, bucket: list, entry: dict) -> None:
        if len(bucket) < MAX_STORED:
            bucket.append(entry)

    def load(self, page: Page) -> None:
        with sync.page_transaction(self.run):
            self._load(page.rows)
            self.run.cursor = page.skip + len(page.rows)
            sync.save(self.run)

    def _load(self, docs: list[dict]) -> None:
        refs = [str(doc.get("Ref_Key") or "") for doc in docs]
        self.seen.update(refs)
        known = sync.known_versions(self.plan.key, refs)
        self.run.fetched += len(docs)
        changed = [
            doc
            for doc, ref in zip(docs, refs, strict=True)
            if not (doc.get("DataVersion") and known.get(ref) == str(doc["DataVersion"]))
        ]
        if changed:
            self._load_changed(changed)

    def _load_changed(self, docs: list[dict]) -> None:
        # "<> ''" lets PostgreSQL use the partial unique indexes on the keys: it cannot prove
        # it from a list of more than 100 keys by itself (a sequential scan of every client).
        buyer_keys = {str(self._get("buyer", d) or "") for d in docs} - {""}
        buyers = dict(
            Organisation.objects.filter(erp_key__in=buyer_keys)
            .exclude(erp_key="")
            .values_list("erp_key", "pk")
        )
        goods = {
            str(self._get("product", row) or "")
            for doc in docs
            for row in self._get("rows", doc) or []
        } - {""}
        products = dict(
            Product.objects.filter(external_code__in=goods)
            .exclude(external_code="")
            .values_list("external_code", "pk")
        )
        forms = dict(
            PaymentForm.objects.exclude(external_code="").values_list("external_code", "pk")
        )
        lines, versions, removals = [], {}, []
        for doc in docs:
            ref, version = str(doc.get("Ref_Key") or ""), str(doc.get("DataVersion") or "")
            number = str(self._get("document_number", doc) or "")
            posted = self._get("posted", doc) in (True, "true")
            if doc.get("DeletionMark") in (True, "true") or not posted:
                reason = (
                    _("marked for deletion")
                    if doc.get("DeletionMark") in (True, "true")
                    else _("not posted")
                )
                removals.append((ref, number, reason))
                versions[ref] = version
                continue
            made = self._lines(doc, ref, number, buyers, products, forms)
            if made is None:
                continue
            lines.extend(made)
            versions[ref] = version
        if lines:
            result = ledger.record_lines(
                lines,
                source=Source.ERP,
                channel=Channel.SYNC,
                batch=str(self.run.pk),
                replace_documents=True,
                reject_invalid=True,
            )
            self.run.inserted += result.inserted
            self.run.updated += result.updated
            self.run.unchanged += result.unchanged
            self.run.archived += result.removed
            for problem in result.rejected:
                self.run.rejected += 1
                key = problem.external_id.split(":")[1] if ":" in problem.external_id else ""
                versions.pop(key, None)  # read the document again next night
                self._note(self.run.errors, {"ref": key, "reason": str(problem)})
        for ref, number, reason in removals:
            gone = ledger.remove_lines(Source.ERP, document_keys=[ref])
            self.run.archived += gone
            if gone:
                self._note(
                    self.run.removed,
                    {"ref": ref, "number": number, "reason": reason, "lines": gone},
                )
        SyncedVersion.objects.bulk_create(
            [
                SyncedVersion(entity=self.plan.key, ref_key=r, data_version=v)
                for r, v in versions.items()
                if v
            ],
            update_conflicts=True,
            unique_fields=["entity", "ref_key"],
            update_fields=["data_version"],
        )

    def _lines(self, doc, ref, number, buyers, products, forms) -> list[dict] | None:
        """The ledger lines of a posted document, or None (with the reason noted) when the CRM
        lacks its buyer."""
        buyer_key = str(self._get("buyer", doc) or "")
        buyer = buyers.get(buyer_key)
        if buyer is None:
            self.run.rejected += 1
            self._note(
                self.run.errors,
                {
                    "ref": ref,
                    "reason": _("Document %(number)s: the counterparty %(key)s is not loaded.")
                    % {"number": number, "key": buyer_key or "—"},
                },
            )
            return None
        day = str(self._get("date", doc) or "")[:10]
        form = forms.get(str(self._get("payment_form", doc) or ""))
        made = []
        for index, row in enumerate(self._get("rows", doc) or [], start=1):
            line_number = self._get("line", row) or index
            try:
                quantity = Decimal(str(self._get("quantity", row) or 0)) * self.sign
                amount = Decimal(str(self._get("amount", row) or 0)) * self.sign
            except InvalidOperation:
                quantity = amount = Decimal("NaN")  # the ledger refuses it with its reason
            made.append(
                {
                    "external_id": f"{self.prefix}:{ref}:{line_number}",
                    "flow": Flow.SELL_IN,
                    "date": day,
                    "quantity": quantity,
                    "amount": amount,
                    "buyer_id": buyer,
                    "product_id": products.get(str(self._get("product", row) or "")),
                    "payment_form_id": form,
                    "document_key": ref,
                    "document_number": number,
                    "document_row": str(line_number),
                }
            )
        return made

    def complete(self, *, whole: bool) -> None:
        """After a run that read the whole window: the lines of documents that did not come
        back in it leave the ledger."""
        if not whole:
            return
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM sales_salesline WHERE source = %s AND external_id LIKE %s "
                "AND date >= %s AND NOT (document_key = ANY(%s)) "
                "RETURNING document_key, document_number",
                [Source.ERP, f"{self.prefix}:%", window_start(), sorted(self.seen)],
            )
            gone: dict[str, str] = {}
            for key, number in cursor.fetchall():
                gone[key] = number
                self.run.archived += 1
        for key, number in gone.items():
            self._note(
                self.run.removed,
                {"ref": key, "number": number, "reason": _("no longer in 1C's window")},
            )
        SyncedVersion.objects.filter(entity=self.plan.key, ref_key__in=list(gone)).delete()
