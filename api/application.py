"""The application service: the core (signed store, views, keys) with one use-case method per use case."""

from __future__ import annotations

from api.core import DateAsISO, ViewsBehindError, VledgerCore, event_transcoder, key_info_of, utc_now
from api.usecases.certificate_requests import CertificateRequestCases
from api.usecases.certificates import CertificateCases
from api.usecases.complaints import ComplaintCases
from api.usecases.history import HistoryCases
from api.usecases.imports import ImportCases
from api.usecases.inspection_reports import InspectionReportCases
from api.usecases.inspectors import InspectorCases
from api.usecases.keys import KeyCases
from api.usecases.log import LogCases, LogRequestError
from api.usecases.organizations import OrganizationCases
from api.usecases.precheck import PrecheckCases
from api.usecases.public_changes import PublicChangeCases
from api.usecases.records import RecordCases
from api.usecases.spot_checks import SpotCheckCases
from api.usecases.volunteers import VolunteerCases

__all__ = ["DateAsISO", "LogRequestError", "VledgerApplication", "ViewsBehindError", "event_transcoder",
           "key_info_of", "utc_now"]


# The core comes last: each mixin is typed as a core (api/usecases/base.py), so it must precede it in the order.
class VledgerApplication(CertificateRequestCases, OrganizationCases, InspectorCases, VolunteerCases, RecordCases,
                         HistoryCases, CertificateCases, LogCases, ImportCases, PublicChangeCases, KeyCases,
                         PrecheckCases, ComplaintCases, SpotCheckCases, InspectionReportCases,
                         VledgerCore):
    """vledger's use cases over the signed event store."""

    name = "vledger"  # eventsourcing derives table and environment prefixes from it
