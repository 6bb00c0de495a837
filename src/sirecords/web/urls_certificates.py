"""Certificates (issue #11): issuing at the counter and in the portal, and the public verification page the QR code
points to (certificates.seal.verify_url: <public URL>/v/<code>, no trailing slash)."""

from django.urls import path

from sirecords.web.views import certificate_public, certificates

urlpatterns = [
    path("v/", certificate_public.check_view, name="certificate_check"),
    path("v/<str:code>", certificate_public.verify_code_view, name="certificate_verify"),
    path("desk/query/<slug:uid>/certificate/", certificates.desk_certificate_view, name="desk_query_certificate"),
    path("my/certificates/", certificates.my_certificates_view, name="my_certificates"),
]
